#include "embed/io/npy.h"

#include <cctype>
#include <cstring>

#include <fmt/ranges.h>

#include "embed/io/atomic_file.h"

namespace embed {

namespace {

constexpr unsigned char kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

// A tiny reader for the one dict literal numpy writes; anything else is a FormatError.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& file) : s_(text), file_(file) {}

  void parse(std::string& descr, bool& fortran, Shape& shape) {
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = quoted();
      expect(':');
      if (key == "descr") {
        descr = quoted();
        seen_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        seen_order = true;
      } else if (key == "shape") {
        shape = tuple();
        seen_shape = true;
      } else {
        fail(fmt::format("unknown key '{}'", key));
      }
      skip_space();
      if (peek() == ',') ++pos_;
    }
    if (!(seen_descr && seen_order && seen_shape)) fail("header lacks descr, fortran_order or shape");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(fmt::format("{}: bad .npy header at byte {}: {}", file_, pos_, what));
  }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  char peek() {
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end");
    return s_[pos_];
  }
  void expect(char c) {
    if (peek() != c) fail(fmt::format("expected '{}'", c));
    ++pos_;
  }
  std::string quoted() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    const std::size_t end = s_.find(q, ++pos_);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string out(s_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    if (s_.substr(pos_, 4) == "True") return pos_ += 4, true;
    if (s_.substr(pos_, 5) == "False") return pos_ += 5, false;
    fail("expected True or False");
  }
  Shape tuple() {
    expect('(');
    Shape shape;
    while (peek() != ')') {
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a dimension");
      std::uint64_t v = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        v = v * 10 + static_cast<std::uint64_t>(s_[pos_++] - '0');
        if (v > (std::uint64_t{1} << 48)) fail("absurd dimension");
      }
      shape.push_back(static_cast<std::int64_t>(v));
      if (peek() == ',') ++pos_;
    }
    ++pos_;
    return shape;
  }

  std::string_view s_;
  const std::string& file_;
  std::size_t pos_ = 0;
};

const char* descr_of(DType t) {
  switch (t) {
    case DType::f32: return "<f4";
    case DType::i32: return "<i4";
    case DType::i64: return "<i8";
    case DType::u8: return "|u1";
  }
  return "?";
}

}  // namespace

NpyArray parse_npy_array(const unsigned char* data, std::size_t size, const std::string& file) {
  EMBED_CHECK_AS(FormatError, size >= 10 && std::memcmp(data, kMagic, 6) == 0, "{}: not a .npy file (bad magic)", file);
  const int major = data[6];
  EMBED_CHECK_AS(FormatError, major >= 1 && major <= 3, "{}: unsupported .npy version {}.{}", file, major, data[7]);
  std::size_t header_len, prefix;
  if (major == 1) {
    header_len = data[8] | (static_cast<std::size_t>(data[9]) << 8);
    prefix = 10;
  } else {
    EMBED_CHECK_AS(FormatError, size >= 12, "{}: truncated .npy header", file);
    header_len = data[8] | (static_cast<std::size_t>(data[9]) << 8) | (static_cast<std::size_t>(data[10]) << 16) |
                 (static_cast<std::size_t>(data[11]) << 24);
    prefix = 12;
  }
  EMBED_CHECK_AS(FormatError, header_len <= size - prefix, "{}: header length {} runs beyond the file of {} bytes",
                 file, header_len, size);
  NpyArray a;
  bool fortran = false;
  HeaderParser(std::string_view(reinterpret_cast<const char*>(data + prefix), header_len), file)
      .parse(a.descr, fortran, a.shape);
  if (fortran) throw Unsupported(fmt::format("{}: Fortran-order arrays are not supported; save in C order", file));
  a.data = data + prefix + header_len;
  a.bytes = size - prefix - header_len;
  // Item size from the type string: '<f4' -> 4, '|S3' -> 3 bytes, '<U3' -> 3 UTF-32 characters.
  EMBED_CHECK_AS(FormatError, a.descr.size() >= 3 && a.descr.size() <= 8, "{}: bad dtype '{}'", file, a.descr);
  std::uint64_t item = 0;
  for (std::size_t i = 2; i < a.descr.size(); ++i) {
    EMBED_CHECK_AS(FormatError, std::isdigit(static_cast<unsigned char>(a.descr[i])), "{}: bad dtype '{}'", file,
                   a.descr);
    item = item * 10 + static_cast<std::uint64_t>(a.descr[i] - '0');
  }
  if (a.descr[1] == 'U') item *= 4;
  EMBED_CHECK_AS(FormatError, item > 0, "{}: bad dtype '{}'", file, a.descr);
  std::uint64_t count = 1;
  for (auto d : a.shape) {
    EMBED_CHECK_AS(FormatError, d == 0 || count <= a.bytes / static_cast<std::uint64_t>(d) + 1,
                   "{}: shape {} needs more data than the file holds", file, shape_str(a.shape));
    count *= static_cast<std::uint64_t>(d);
  }
  EMBED_CHECK_AS(FormatError, count <= a.bytes / item && count * item == a.bytes,
                 "{}: shape {} of '{}' needs {} bytes of data, the file has {}", file, shape_str(a.shape), a.descr,
                 count * item, a.bytes);
  return a;
}

Tensor parse_npy(const unsigned char* data, std::size_t size, const std::string& file) {
  const NpyArray a = parse_npy_array(data, size, file);
  DType target;
  if (a.descr == "<f4" || a.descr == "<f8")
    target = DType::f32;
  else if (a.descr == "<i4")
    target = DType::i32;
  else if (a.descr == "<i8")
    target = DType::i64;
  else if (a.descr == "|u1" || a.descr == "|b1")
    target = DType::u8;
  else
    throw Unsupported(fmt::format("{}: .npy dtype '{}' is not supported (f4, f8, i4, i8, u1, b1 are)", file, a.descr));
  Tensor t = Tensor::empty(a.shape, target);
  if (a.descr == "<f8") {
    float* o = t.data<float>();
    for (std::size_t i = 0; i < a.bytes / 8; ++i) {
      double v;
      std::memcpy(&v, a.data + 8 * i, 8);
      o[i] = static_cast<float>(v);
    }
  } else {
    std::memcpy(t.storage()->data(), a.data, a.bytes);
  }
  return t;
}

Tensor load_npy(const std::string& path) {
  auto mapped = MappedFile::open(path);
  return parse_npy(mapped->data(), mapped->size(), path);
}

std::string npy_header(const std::string& descr, const Shape& shape) {
  // Python tuple syntax: "(2, 3)", "(5,)", "()".
  std::string dims = fmt::format("{}", fmt::join(shape, ", "));
  if (shape.size() == 1) dims += ",";
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
  const bool v2 = header.size() + 11 > 65535;
  const std::size_t prefix = v2 ? 12 : 10;
  const std::size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;  // data starts 64-byte aligned
  header.append(total - prefix - header.size() - 1, ' ');
  header.push_back('\n');
  std::string out(reinterpret_cast<const char*>(kMagic), 6);
  out.push_back(static_cast<char>(v2 ? 2 : 1));
  out.push_back(0);
  std::size_t n = header.size();
  for (std::size_t i = 8; i < prefix; ++i, n >>= 8) out.push_back(static_cast<char>(n & 0xff));
  return out + header;
}

std::string npy_bytes(const Tensor& t) {
  const Tensor c = t.contiguous();
  std::string out = npy_header(descr_of(c.dtype()), c.shape());
  out.append(static_cast<const char*>(c.storage()->data()) + c.offset() * dtype_size(c.dtype()),
             static_cast<std::size_t>(c.numel()) * dtype_size(c.dtype()));
  return out;
}

void save_npy(const std::string& path, const Tensor& t) {
  const Tensor c = t.contiguous();
  const std::string header = npy_header(descr_of(c.dtype()), c.shape());
  write_file_atomic(path, [&](int fd) {
    write_all(fd, header.data(), header.size(), path);
    write_all(fd, static_cast<const unsigned char*>(c.storage()->data()) + c.offset() * dtype_size(c.dtype()),
              static_cast<std::size_t>(c.numel()) * dtype_size(c.dtype()), path);
  });
}

}  // namespace embed
