#include "embed/text/sparse/csr.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <tuple>
#include <type_traits>

#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/core/storage.h"
#include "embed/io/npy.h"
#include "embed/io/zip.h"

namespace embed::text {

namespace {

template <typename T>
std::string npy_of(const char* descr, const std::vector<T>& v) {
  std::string out = npy_header(descr, Shape{static_cast<std::int64_t>(v.size())});
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  return out;
}

// Reads an integer or float vector member into T, converting from any of numpy's common types.
template <typename T>
std::vector<T> read_vector(const std::map<std::string, std::string>& members, const std::string& key,
                           const std::string& name) {
  const auto it = members.find(key);
  EMBED_CHECK_AS(FormatError, it != members.end(), "{}: no '{}' array (not a scipy sparse .npz)", name, key);
  const std::string where = name + ":" + key;
  const NpyArray a =
      parse_npy_array(reinterpret_cast<const unsigned char*>(it->second.data()), it->second.size(), where);
  EMBED_CHECK_AS(FormatError, a.shape.size() == 1, "{}: expected a vector, got shape {}", where, shape_str(a.shape));
  const auto n = static_cast<std::size_t>(a.shape[0]);
  std::vector<T> out(n);
  auto convert = [&]<typename S>(S) {
    for (std::size_t i = 0; i < n; ++i) {
      S s;
      std::memcpy(&s, a.data + i * sizeof(S), sizeof(S));
      if constexpr (std::is_integral_v<T> && std::is_floating_point_v<S>) {
        EMBED_CHECK_AS(FormatError, false, "{}: expected integers, got '{}'", where, a.descr);
      } else if constexpr (std::is_integral_v<T> && std::is_integral_v<S>) {
        EMBED_CHECK_AS(FormatError, s >= 0 && static_cast<std::uint64_t>(s) <= std::numeric_limits<T>::max(),
                       "{}: value {} out of range", where, s);
        out[i] = static_cast<T>(s);
      } else {
        out[i] = static_cast<T>(s);
      }
    }
  };
  if (a.descr == "<i4")
    convert(std::int32_t{});
  else if (a.descr == "<i8")
    convert(std::int64_t{});
  else if (a.descr == "<f4")
    convert(float{});
  else if (a.descr == "<f8")
    convert(double{});
  else
    throw Unsupported(fmt::format("{}: dtype '{}' is not supported (i4, i8, f4, f8 are)", where, a.descr));
  return out;
}

}  // namespace

void CsrMatrix::normalize_rows(bool l1) {
  parallel_for(rows, rows ? std::max<std::int64_t>(1, nnz() / rows) : 1, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t r = lo; r < hi; ++r) {
      double norm = 0;
      for (auto k = indptr[r]; k < indptr[r + 1]; ++k) norm += l1 ? std::abs(data[k]) : data[k] * data[k];
      if (!l1) norm = std::sqrt(norm);
      if (norm == 0) continue;
      for (auto k = indptr[r]; k < indptr[r + 1]; ++k) data[k] /= norm;
    }
  });
}

Tensor CsrMatrix::to_dense() const {
  Tensor t = Tensor::zeros({rows, cols});
  float* o = t.data<float>();
  for (std::int64_t r = 0; r < rows; ++r)
    for (auto k = indptr[r]; k < indptr[r + 1]; ++k) o[r * cols + indices[k]] = static_cast<float>(data[k]);
  return t;
}

void CsrMatrix::validate(const std::string& what) const {
  EMBED_CHECK_AS(FormatError, rows >= 0 && cols >= 0 && cols <= std::numeric_limits<std::int32_t>::max(),
                 "{}: bad shape ({}, {})", what, rows, cols);
  EMBED_CHECK_AS(FormatError, indptr.size() == static_cast<std::size_t>(rows) + 1 && indptr.front() == 0,
                 "{}: indptr has {} entries for {} rows", what, indptr.size(), rows);
  EMBED_CHECK_AS(FormatError, indices.size() == data.size() && indptr.back() == nnz(),
                 "{}: {} indices and {} values, indptr ends at {}", what, indices.size(), data.size(), indptr.back());
  for (std::int64_t r = 0; r < rows; ++r) {
    EMBED_CHECK_AS(FormatError, indptr[r] <= indptr[r + 1], "{}: indptr decreases at row {}", what, r);
    for (auto k = indptr[r]; k < indptr[r + 1]; ++k) {
      EMBED_CHECK_AS(FormatError, indices[k] >= 0 && indices[k] < cols, "{}: column {} out of range in row {}", what,
                     indices[k], r);
      EMBED_CHECK_AS(FormatError, k == indptr[r] || indices[k - 1] < indices[k],
                     "{}: columns not sorted or repeated in row {}", what, r);
      EMBED_CHECK_AS(FormatError, std::isfinite(data[k]), "{}: non-finite value in row {}", what, r);
    }
  }
}

void save_npz(const std::string& path, const CsrMatrix& m) {
  const bool wide = m.nnz() > std::numeric_limits<std::int32_t>::max();
  std::vector<std::pair<std::string, std::string>> members;
  members.emplace_back("indices.npy", npy_of("<i4", m.indices));
  if (wide) {
    members.emplace_back("indptr.npy", npy_of("<i8", m.indptr));
  } else {
    const std::vector<std::int32_t> indptr(m.indptr.begin(), m.indptr.end());
    members.emplace_back("indptr.npy", npy_of("<i4", indptr));
  }
  members.emplace_back("format.npy", npy_header("|S3", Shape{}) + "csr");
  members.emplace_back("shape.npy", npy_of("<i8", std::vector<std::int64_t>{m.rows, m.cols}));
  members.emplace_back("data.npy", npy_of("<f8", m.data));
  save_zip(path, members);
}

CsrMatrix parse_npz(const unsigned char* bytes, std::size_t size, const std::string& name) {
  const auto members = parse_zip(bytes, size, name);
  const auto format = members.find("format.npy");
  EMBED_CHECK_AS(FormatError, format != members.end(), "{}: no 'format' array (not a scipy sparse .npz)", name);
  const NpyArray f = parse_npy_array(reinterpret_cast<const unsigned char*>(format->second.data()),
                                     format->second.size(), name + ":format");
  // b'csr' (|S3, as scipy writes it) or 'csr' (<U3: UTF-32).
  const std::string raw(reinterpret_cast<const char*>(f.data), f.bytes);
  const bool csr =
      (f.descr == "|S3" && raw == "csr") || (f.descr == "<U3" && raw == std::string("c\0\0\0s\0\0\0r\0\0\0", 12));
  EMBED_CHECK_AS(Unsupported, csr, "{}: only CSR matrices are supported (format '{}')", name, f.descr);
  CsrMatrix m;
  const auto shape = read_vector<std::int64_t>(members, "shape.npy", name);
  EMBED_CHECK_AS(FormatError, shape.size() == 2, "{}: shape has {} entries, expected 2", name, shape.size());
  m.rows = shape[0];
  m.cols = shape[1];
  EMBED_CHECK_AS(FormatError, m.rows < (std::int64_t{1} << 40), "{}: absurd row count {}", name, m.rows);
  m.indptr = read_vector<std::int64_t>(members, "indptr.npy", name);
  m.indices = read_vector<std::int32_t>(members, "indices.npy", name);
  m.data = read_vector<double>(members, "data.npy", name);
  EMBED_CHECK_AS(FormatError,
                 m.indptr.size() == static_cast<std::size_t>(m.rows) + 1 && m.indptr.front() == 0 &&
                     m.indptr.back() == m.nnz() && m.indices.size() == m.data.size(),
                 "{}: indptr, indices and data do not agree with shape ({}, {})", name, m.rows, m.cols);
  // scipy allows unsorted columns within a row (scikit-learn writes them so): sort them.
  std::vector<std::pair<std::int32_t, double>> row;
  for (std::int64_t r = 0; r < m.rows; ++r) {
    const auto b = m.indptr[r], e = m.indptr[r + 1];
    EMBED_CHECK_AS(FormatError, b <= e && e <= m.nnz(), "{}: indptr out of order at row {}", name, r);
    if (std::is_sorted(m.indices.begin() + b, m.indices.begin() + e)) continue;
    row.clear();
    for (auto k = b; k < e; ++k) row.emplace_back(m.indices[k], m.data[k]);
    std::sort(row.begin(), row.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (auto k = b; k < e; ++k) std::tie(m.indices[k], m.data[k]) = row[static_cast<std::size_t>(k - b)];
  }
  m.validate(name);
  return m;
}

CsrMatrix load_npz(const std::string& path) {
  const auto mapped = MappedFile::open(path);
  return parse_npz(mapped->data(), mapped->size(), path);
}

void save_matrix(const std::string& path, const CsrMatrix& m) {
  if (path.ends_with(".npz"))
    save_npz(path, m);
  else if (path.ends_with(".npy"))
    save_npy(path, m.to_dense());
  else
    throw InvalidArgument(fmt::format("{}: write a matrix as .npz (sparse) or .npy (dense)", path));
}

}  // namespace embed::text
