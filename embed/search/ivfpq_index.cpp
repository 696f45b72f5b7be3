#include "embed/search/ivfpq_index.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "embed/core/blas.h"
#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/io/little_endian.h"
#include "embed/search/checked_vectors.h"
#include "embed/search/index_file.h"
#include "embed/search/kmeans.h"
#include "embed/search/top_k.h"

namespace embed::search {

namespace {

constexpr std::int64_t kCentroids = 256;  // 8-bit codes

std::int64_t default_m(std::int64_t dim) {
  for (std::int64_t m = std::max<std::int64_t>(1, dim / 4); m > 1; --m)
    if (dim % m == 0) return m;
  return 1;
}

// The pending vectors are stored as checked_copy() left them (normalised
// under cosine), so their exact index scores them by inner product.
Metric pending_metric(Metric m) { return m == Metric::cosine ? Metric::inner_product : m; }

}  // namespace

IvfPqIndex::IvfPqIndex(std::int64_t dim, Metric metric, IvfPqOptions options)
    : dim_(dim), metric_(metric), options_(options), pending_(dim, pending_metric(metric)) {
  if (options_.m == 0) options_.m = default_m(dim);
  if (options_.train_size == 0) options_.train_size = std::max<std::int64_t>(39 * options_.nlist, 39 * kCentroids);
  EMBED_CHECK(options_.nlist >= 1 && options_.nlist <= (1 << 20), "nlist must be in [1, 2^20], got {}", options_.nlist);
  EMBED_CHECK(options_.m >= 1 && dim % options_.m == 0, "m = {} sub-quantisers must divide the dimension {}",
              options_.m, dim);
  EMBED_CHECK(options_.nprobe >= 1, "nprobe must be >= 1, got {}", options_.nprobe);
  EMBED_CHECK(options_.train_size >= std::max(options_.nlist, kCentroids),
              "train_size {} is below what k-means needs (nlist {} and 256 codebook entries)", options_.train_size,
              options_.nlist);
  EMBED_CHECK(options_.kmeans_iterations >= 1, "k-means needs at least one iteration");
}

void IvfPqIndex::set_nprobe(std::int64_t nprobe) {
  EMBED_CHECK(nprobe >= 1, "nprobe must be >= 1, got {}", nprobe);
  options_.nprobe = nprobe;
}

void IvfPqIndex::add(const float* vectors, std::int64_t n, const std::int64_t* ids) {
  EMBED_CHECK(n >= 0, "cannot add {} vectors", n);
  if (n == 0) return;
  std::vector<float> rows = checked_copy(vectors, n, dim_, metric_, "vector");
  const std::vector<std::int64_t> new_ids =
      checked_ids(ids, n, next_id_, [this](std::int64_t id) { return contains(id); });
  for (std::int64_t id : new_ids) next_id_ = std::max(next_id_, id + 1);
  if (trained()) {
    encode(rows.data(), n, new_ids.data());
    return;
  }
  // Rows are normalised already: the pending exact index takes them as inner products.
  pending_.add(rows.data(), n, new_ids.data());
  if (pending_.size() >= options_.train_size) train_and_encode();
}

void IvfPqIndex::train_and_encode() {
  const std::int64_t n = pending_.size(), d = dim_, m = options_.m, ds = dsub();
  const std::vector<float>& x = pending_.rows();
  coarse_ = kmeans(x.data(), n, d, options_.nlist, options_.kmeans_iterations, options_.seed);
  const std::vector<std::int32_t> cell = nearest_centroid(x.data(), n, coarse_.data(), options_.nlist, d);
  codebooks_.assign(static_cast<std::size_t>(m * kCentroids * ds), 0.0f);
  std::vector<float> sub(static_cast<std::size_t>(n * ds));
  for (std::int64_t j = 0; j < m; ++j) {
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t t = 0; t < ds; ++t) {
        const std::int64_t col = j * ds + t;
        sub[static_cast<std::size_t>(i * ds + t)] =
            x[static_cast<std::size_t>(i * d + col)] -
            coarse_[static_cast<std::size_t>(cell[static_cast<std::size_t>(i)] * d + col)];
      }
    const std::vector<float> book = kmeans(sub.data(), n, ds, kCentroids, options_.kmeans_iterations,
                                           options_.seed + 1 + static_cast<std::uint64_t>(j));
    std::copy(book.begin(), book.end(), codebooks_.begin() + j * kCentroids * ds);
  }
  list_ids_.assign(static_cast<std::size_t>(options_.nlist), {});
  list_codes_.assign(static_cast<std::size_t>(options_.nlist), {});
  const std::vector<std::int64_t> ids = pending_.row_ids();
  const std::vector<float> rows = x;
  pending_ = ExactIndex(dim_, pending_metric(metric_));
  encode(rows.data(), n, ids.data());
}

void IvfPqIndex::encode(const float* rows, std::int64_t n, const std::int64_t* ids) {
  const std::int64_t d = dim_, m = options_.m, ds = dsub();
  const std::vector<std::int32_t> cell = nearest_centroid(rows, n, coarse_.data(), options_.nlist, d);
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(n * m));
  parallel_for(n, m * kCentroids * ds, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> r(static_cast<std::size_t>(d));
    for (std::int64_t i = begin; i < end; ++i) {
      const float* c = coarse_.data() + cell[static_cast<std::size_t>(i)] * d;
      for (std::int64_t t = 0; t < d; ++t) r[static_cast<std::size_t>(t)] = rows[i * d + t] - c[t];
      for (std::int64_t j = 0; j < m; ++j) {
        const float* book = codebooks_.data() + j * kCentroids * ds;
        const float* rj = r.data() + j * ds;
        std::int64_t best = 0;
        float best_d = std::numeric_limits<float>::infinity();
        for (std::int64_t e = 0; e < kCentroids; ++e) {
          float s = 0;
          for (std::int64_t t = 0; t < ds; ++t) {
            const float diff = rj[t] - book[e * ds + t];
            s += diff * diff;
          }
          if (s < best_d) best_d = s, best = e;
        }
        codes[static_cast<std::size_t>(i * m + j)] = static_cast<std::uint8_t>(best);
      }
    }
  });
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int32_t l = cell[static_cast<std::size_t>(i)];
    auto& lid = list_ids_[static_cast<std::size_t>(l)];
    auto& lcode = list_codes_[static_cast<std::size_t>(l)];
    where_[ids[i]] = {l, static_cast<std::int64_t>(lid.size())};
    lid.push_back(ids[i]);
    lcode.insert(lcode.end(), codes.begin() + i * m, codes.begin() + (i + 1) * m);
  }
}

SearchResults IvfPqIndex::search(const float* queries, std::int64_t nq, std::int64_t k) const {
  EMBED_CHECK(k >= 1, "k must be >= 1, got {}", k);
  EMBED_CHECK(nq >= 0, "cannot search {} queries", nq);
  const std::vector<float> q = checked_copy(queries, nq, dim_, metric_, "query");
  if (!trained()) return pending_.search(q.data(), nq, k);
  const std::int64_t d = dim_, m = options_.m, ds = dsub(), nlist = options_.nlist;
  const std::int64_t nprobe = std::min(options_.nprobe, nlist);
  const bool l2 = metric_ == Metric::l2;
  // Query-to-cell scores for every query at once.
  std::vector<float> qc(static_cast<std::size_t>(nq * nlist));
  gemm(false, true, nq, nlist, d, 1.0f, q.data(), d, coarse_.data(), d, 0.0f, qc.data(), nlist);
  std::vector<float> cnorm(static_cast<std::size_t>(nlist));
  for (std::int64_t l = 0; l < nlist; ++l) cnorm[static_cast<std::size_t>(l)] = squared_norm(coarse_.data() + l * d, d);
  SearchResults r = empty_results(nq, k);
  parallel_for(nq, nprobe * 4096, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> table(static_cast<std::size_t>(m * kCentroids)), resid(static_cast<std::size_t>(d));
    std::vector<std::pair<float, std::int64_t>> cells(static_cast<std::size_t>(nlist));
    for (std::int64_t i = begin; i < end; ++i) {
      const float* qi = q.data() + i * d;
      // Cells by closeness: higher key is nearer (l2: -|q - c|^2 up to |q|^2).
      for (std::int64_t l = 0; l < nlist; ++l) {
        const float dot = qc[static_cast<std::size_t>(i * nlist + l)];
        cells[static_cast<std::size_t>(l)] = {l2 ? 2 * dot - cnorm[static_cast<std::size_t>(l)] : dot, l};
      }
      std::partial_sort(cells.begin(), cells.begin() + nprobe, cells.end(), [](const auto& a, const auto& b) {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
      });
      if (!l2) {  // one table for every cell: q_j . pq_j[e]
        for (std::int64_t j = 0; j < m; ++j)
          for (std::int64_t e = 0; e < kCentroids; ++e) {
            const float* c = codebooks_.data() + (j * kCentroids + e) * ds;
            float s = 0;
            for (std::int64_t t = 0; t < ds; ++t) s += qi[j * ds + t] * c[t];
            table[static_cast<std::size_t>(j * kCentroids + e)] = s;
          }
      }
      TopK top(k);
      for (std::int64_t p = 0; p < nprobe; ++p) {
        const std::int64_t l = cells[static_cast<std::size_t>(p)].second;
        const auto& ids = list_ids_[static_cast<std::size_t>(l)];
        if (ids.empty()) continue;
        float base = 0;
        if (l2) {  // a table per cell: |(q - c)_j - pq_j[e]|^2
          const float* c = coarse_.data() + l * d;
          for (std::int64_t t = 0; t < d; ++t) resid[static_cast<std::size_t>(t)] = qi[t] - c[t];
          for (std::int64_t j = 0; j < m; ++j)
            for (std::int64_t e = 0; e < kCentroids; ++e) {
              const float* cb = codebooks_.data() + (j * kCentroids + e) * ds;
              float s = 0;
              for (std::int64_t t = 0; t < ds; ++t) {
                const float diff = resid[static_cast<std::size_t>(j * ds + t)] - cb[t];
                s += diff * diff;
              }
              table[static_cast<std::size_t>(j * kCentroids + e)] = s;
            }
        } else {
          base = qc[static_cast<std::size_t>(i * nlist + l)];
        }
        const std::uint8_t* codes = list_codes_[static_cast<std::size_t>(l)].data();
        for (std::size_t v = 0; v < ids.size(); ++v) {
          float s = base;
          const std::uint8_t* code = codes + v * static_cast<std::size_t>(m);
          for (std::int64_t j = 0; j < m; ++j) s += table[static_cast<std::size_t>(j * kCentroids + code[j])];
          const float key = l2 ? -s : s;
          if (key >= top.threshold()) top.push({key, ids[v]});
        }
      }
      write_row(r, i, top, metric_);
    }
  });
  return r;
}

std::int64_t IvfPqIndex::remove(const std::int64_t* ids, std::int64_t n) {
  std::int64_t removed = pending_.remove(ids, n);
  const std::int64_t m = options_.m;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto it = where_.find(ids[i]);
    if (it == where_.end()) continue;
    const auto [l, pos] = it->second;
    where_.erase(it);
    auto& lid = list_ids_[static_cast<std::size_t>(l)];
    auto& lcode = list_codes_[static_cast<std::size_t>(l)];
    const std::int64_t last = static_cast<std::int64_t>(lid.size()) - 1;
    if (pos != last) {  // the cell's last entry moves into the hole
      lid[static_cast<std::size_t>(pos)] = lid[static_cast<std::size_t>(last)];
      std::copy(lcode.begin() + last * m, lcode.begin() + (last + 1) * m, lcode.begin() + pos * m);
      where_[lid[static_cast<std::size_t>(pos)]] = {l, pos};
    }
    lid.pop_back();
    lcode.resize(static_cast<std::size_t>(last * m));
    ++removed;
  }
  return removed;
}

// Payload: nlist, m, nprobe, train_size, kmeans iterations, seed, next id,
// trained (0/1); trained: coarse centroids (nlist x dim f32), codebooks
// (m x 256 x dim/m f32), per cell: count, ids (i64), codes (m bytes each);
// then the pending vectors: count, ids, vectors (f32).
void IvfPqIndex::save(const std::string& path) const {
  std::string p;
  for (std::int64_t v : {options_.nlist, options_.m, options_.nprobe, options_.train_size,
                         static_cast<std::int64_t>(options_.kmeans_iterations)})
    append_le(p, static_cast<std::uint64_t>(v), 8);
  append_le(p, options_.seed, 8);
  append_le(p, static_cast<std::uint64_t>(next_id_), 8);
  append_le(p, trained() ? 1 : 0, 8);
  if (trained()) {
    p.append(reinterpret_cast<const char*>(coarse_.data()), coarse_.size() * sizeof(float));
    p.append(reinterpret_cast<const char*>(codebooks_.data()), codebooks_.size() * sizeof(float));
    for (std::size_t l = 0; l < list_ids_.size(); ++l) {
      append_le(p, list_ids_[l].size(), 8);
      p.append(reinterpret_cast<const char*>(list_ids_[l].data()), list_ids_[l].size() * sizeof(std::int64_t));
      p.append(reinterpret_cast<const char*>(list_codes_[l].data()), list_codes_[l].size());
    }
  }
  append_le(p, static_cast<std::uint64_t>(pending_.size()), 8);
  p.append(reinterpret_cast<const char*>(pending_.row_ids().data()), pending_.row_ids().size() * sizeof(std::int64_t));
  p.append(reinterpret_cast<const char*>(pending_.rows().data()), pending_.rows().size() * sizeof(float));
  write_index_file(path, IndexHeader{"ivfpq", metric_, dim_}, p);
}

std::unique_ptr<IvfPqIndex> IvfPqIndex::from_payload(std::int64_t dim, Metric metric, std::string_view payload,
                                                     const std::string& name) {
  PayloadReader in(payload, name);
  IvfPqOptions o;
  auto bounded = [&](const char* what, std::uint64_t limit) {
    const std::uint64_t v = in.u64(what);
    EMBED_CHECK_AS(FormatError, v <= limit, "{}: {} = {} is out of range", name, what, v);
    return static_cast<std::int64_t>(v);
  };
  o.nlist = bounded("nlist", 1 << 20);
  o.m = bounded("m", static_cast<std::uint64_t>(dim));
  o.nprobe = bounded("nprobe", 1 << 20);
  o.train_size = bounded("train_size", std::uint64_t{1} << 40);
  o.kmeans_iterations = static_cast<int>(bounded("the k-means iterations", 1000));
  o.seed = in.u64("the seed");
  const std::int64_t next = bounded("the next id", static_cast<std::uint64_t>(INT64_MAX));
  const std::int64_t trained = bounded("the trained flag", 1);
  std::unique_ptr<IvfPqIndex> index;
  try {
    index = std::make_unique<IvfPqIndex>(dim, metric, o);
  } catch (const InvalidArgument& e) {
    throw FormatError(fmt::format("{}: {}", name, e.what()));
  }
  auto finite = [&](const std::vector<float>& v, const char* what) {
    for (float x : v) EMBED_CHECK_AS(FormatError, std::isfinite(x), "{}: {} hold a NaN or infinity", name, what);
  };
  auto ids_fit = [&](std::uint64_t count, std::uint64_t bytes_each) {
    EMBED_CHECK_AS(FormatError, count <= in.rest().size() / bytes_each, "{}: {} entries cannot fit in the file", name,
                   count);
  };
  const std::int64_t m = index->options_.m, ds = index->dsub();
  if (trained) {
    const std::uint64_t coarse = static_cast<std::uint64_t>(o.nlist * dim),
                        books = static_cast<std::uint64_t>(m * kCentroids * ds);
    ids_fit(coarse + books, 4);
    index->coarse_.resize(coarse);
    in.copy(index->coarse_.data(), coarse, sizeof(float), "the coarse centroids");
    index->codebooks_.resize(books);
    in.copy(index->codebooks_.data(), books, sizeof(float), "the codebooks");
    finite(index->coarse_, "the coarse centroids");
    finite(index->codebooks_, "the codebooks");
    index->list_ids_.resize(static_cast<std::size_t>(o.nlist));
    index->list_codes_.resize(static_cast<std::size_t>(o.nlist));
    for (std::int64_t l = 0; l < o.nlist; ++l) {
      const std::uint64_t count = in.u64("a cell's count");
      ids_fit(count, 8 + static_cast<std::uint64_t>(m));
      auto& lid = index->list_ids_[static_cast<std::size_t>(l)];
      lid.resize(count);
      in.copy(lid.data(), count, sizeof(std::int64_t), "a cell's ids");
      index->list_codes_[static_cast<std::size_t>(l)].resize(count * static_cast<std::uint64_t>(m));
      in.copy(index->list_codes_[static_cast<std::size_t>(l)].data(), count * static_cast<std::uint64_t>(m), 1,
              "a cell's codes");
      for (std::uint64_t v = 0; v < count; ++v) {
        const std::int64_t id = lid[v];
        EMBED_CHECK_AS(FormatError, id >= 0 && id < next, "{}: id {} is negative or not below the next id {}", name, id,
                       next);
        EMBED_CHECK_AS(
            FormatError,
            index->where_.emplace(id, std::make_pair(static_cast<std::int32_t>(l), static_cast<std::int64_t>(v)))
                .second,
            "{}: id {} appears twice", name, id);
      }
    }
  }
  const std::uint64_t pending = in.u64("the pending count");
  ids_fit(pending, 8 + 4 * static_cast<std::uint64_t>(dim));
  std::vector<std::int64_t> ids(pending);
  in.copy(ids.data(), pending, sizeof(std::int64_t), "the pending ids");
  std::vector<float> rows(pending * static_cast<std::uint64_t>(dim));
  in.copy(rows.data(), rows.size(), sizeof(float), "the pending vectors");
  EMBED_CHECK_AS(FormatError, in.done(), "{}: bytes left over after the pending vectors", name);
  EMBED_CHECK_AS(FormatError, trained || static_cast<std::int64_t>(pending) < o.train_size,
                 "{}: {} pending vectors but training starts at {}", name, pending, o.train_size);
  for (std::int64_t id : ids)
    EMBED_CHECK_AS(FormatError, id >= 0 && id < next && index->where_.count(id) == 0,
                   "{}: pending id {} is out of range or repeated", name, id);
  try {
    // Stored vectors are normalised already: check them, do not renormalise.
    index->pending_.add(
        checked_copy(rows.data(), static_cast<std::int64_t>(pending), dim, Metric::inner_product, "stored vector")
            .data(),
        static_cast<std::int64_t>(pending), ids.data());
  } catch (const InvalidArgument& e) {
    throw FormatError(fmt::format("{}: {}", name, e.what()));
  }
  index->next_id_ = next;
  return index;
}

}  // namespace embed::search
