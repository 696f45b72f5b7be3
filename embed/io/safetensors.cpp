#include "embed/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "embed/io/atomic_file.h"
#include "embed/io/half.h"
#include "embed/io/json_config.h"

namespace embed {

namespace {

using json = nlohmann::json;

// Headers above this are refused before parsing (the reference reader's limit).
constexpr std::uint64_t kMaxHeader = 100u << 20;

struct DTypeInfo {
  const char* name;
  std::size_t bytes;
  DType target;
};

const DTypeInfo* find_dtype(const std::string& name) {
  static const DTypeInfo kTypes[] = {
      {"F32", 4, DType::f32}, {"F16", 2, DType::f32}, {"BF16", 2, DType::f32}, {"F64", 8, DType::f32},
      {"I64", 8, DType::i64}, {"I32", 4, DType::i32}, {"I16", 2, DType::i32},  {"I8", 1, DType::i32},
      {"U8", 1, DType::u8},   {"BOOL", 1, DType::u8}, {"U16", 2, DType::i32},  {"U32", 4, DType::i64},
      {"U64", 8, DType::i64},
  };
  for (const auto& t : kTypes)
    if (name == t.name) return &t;
  return nullptr;
}

const char* safetensors_name(DType t) {
  switch (t) {
    case DType::f32: return "F32";
    case DType::i32: return "I32";
    case DType::i64: return "I64";
    case DType::u8: return "U8";
  }
  return "?";
}

template <typename From, typename To>
void convert_bytes(const unsigned char* src, std::int64_t n, To* dst) {
  for (std::int64_t i = 0; i < n; ++i) {
    From v;
    std::memcpy(&v, src + i * sizeof(From), sizeof(From));
    dst[i] = static_cast<To>(v);
  }
}

// 16-bit floats (IEEE half or bfloat16) widened by `widen`.
template <typename Widen>
void convert_half(const unsigned char* src, std::int64_t n, float* dst, Widen widen) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    dst[i] = widen(h);
  }
}

Tensor decode(const DTypeInfo& info, const unsigned char* p, const Shape& shape, const std::shared_ptr<void>& owner,
              const std::string& file, const std::string& tname) {
  const std::int64_t n = numel(shape);
  const std::string dt = info.name;
  const bool zero_copy = (dt == "F32" || dt == "I32" || dt == "I64" || dt == "U8" || dt == "BOOL") &&
                         reinterpret_cast<std::uintptr_t>(p) % info.bytes == 0;
  if (zero_copy) {
    auto storage = Storage::borrow(const_cast<unsigned char*>(p), static_cast<std::size_t>(n) * info.bytes, owner);
    return Tensor::from_storage(std::move(storage), shape, info.target);
  }
  Tensor t = Tensor::empty(shape, info.target);
  if (dt == "F32")
    convert_bytes<float>(p, n, t.data<float>());
  else if (dt == "F64")
    convert_bytes<double>(p, n, t.data<float>());
  else if (dt == "F16")
    convert_half(p, n, t.data<float>(), f16_to_f32);
  else if (dt == "BF16")
    convert_half(p, n, t.data<float>(), bf16_to_f32);
  else if (dt == "I32")
    convert_bytes<std::int32_t>(p, n, t.data<std::int32_t>());
  else if (dt == "I64")
    convert_bytes<std::int64_t>(p, n, t.data<std::int64_t>());
  else if (dt == "I16")
    convert_bytes<std::int16_t>(p, n, t.data<std::int32_t>());
  else if (dt == "I8")
    convert_bytes<std::int8_t>(p, n, t.data<std::int32_t>());
  else if (dt == "U16")
    convert_bytes<std::uint16_t>(p, n, t.data<std::int32_t>());
  else if (dt == "U32")
    convert_bytes<std::uint32_t>(p, n, t.data<std::int64_t>());
  else if (dt == "U64") {
    auto* o = t.data<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) {
      std::uint64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      EMBED_CHECK_AS(FormatError, v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
                     "{}: tensor '{}' holds U64 value {} beyond the i64 range", file, tname, v);
      o[i] = static_cast<std::int64_t>(v);
    }
  } else {
    convert_bytes<std::uint8_t>(p, n, t.data<std::uint8_t>());
  }
  return t;
}

}  // namespace

SafeTensors parse_safetensors(const unsigned char* data, std::size_t size, std::shared_ptr<void> keep_alive,
                              const std::string& file) {
  EMBED_CHECK_AS(FormatError, size >= 8, "{}: truncated file of {} bytes (a safetensors file starts with 8)", file,
                 size);
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | data[i];
  EMBED_CHECK_AS(FormatError, header_len <= kMaxHeader, "{}: header length {} exceeds the {}-byte limit", file,
                 header_len, kMaxHeader);
  EMBED_CHECK_AS(FormatError, header_len <= size - 8, "{}: header length {} runs beyond the file of {} bytes", file,
                 header_len, size);
  const auto* header_begin = reinterpret_cast<const char*>(data + 8);
  const json header = parse_json(std::string_view(header_begin, header_len), file + " (header)");
  EMBED_CHECK_AS(FormatError, header.is_object(), "{}: header is not a JSON object", file);
  const unsigned char* buffer = data + 8 + header_len;
  const std::uint64_t buffer_len = size - 8 - header_len;

  SafeTensors out;
  struct Span {
    std::uint64_t begin, end;
    std::string name;
  };
  std::vector<Span> spans;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      EMBED_CHECK_AS(FormatError, entry.is_object(), "{}: __metadata__ is not an object", file);
      for (const auto& [k, v] : entry.items()) {
        EMBED_CHECK_AS(FormatError, v.is_string(), "{}: metadata '{}' is not a string", file, k);
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    EMBED_CHECK_AS(FormatError, entry.is_object(), "{}: entry '{}' is not an object", file, name);
    const auto dt = entry.find("dtype");
    const auto sh = entry.find("shape");
    const auto off = entry.find("data_offsets");
    EMBED_CHECK_AS(FormatError, dt != entry.end() && dt->is_string(), "{}: tensor '{}' has no string dtype", file,
                   name);
    EMBED_CHECK_AS(FormatError, sh != entry.end() && sh->is_array(), "{}: tensor '{}' has no shape array", file, name);
    EMBED_CHECK_AS(FormatError,
                   off != entry.end() && off->is_array() && off->size() == 2 && (*off)[0].is_number_unsigned() &&
                       (*off)[1].is_number_unsigned(),
                   "{}: tensor '{}' needs data_offsets [begin, end] of non-negative integers", file, name);
    const DTypeInfo* info = find_dtype(dt->get<std::string>());
    if (info == nullptr)
      throw Unsupported(
          fmt::format("{}: tensor '{}' has dtype '{}' which is not supported", file, name, dt->get<std::string>()));
    Shape shape;
    std::uint64_t count = 1;
    for (const auto& d : *sh) {
      EMBED_CHECK_AS(FormatError, d.is_number_unsigned(), "{}: tensor '{}' has a shape entry that is not a size", file,
                     name);
      const auto v = d.get<std::uint64_t>();
      // Each size, and the running product, must stay far inside the file size.
      EMBED_CHECK_AS(FormatError, v <= buffer_len + 1 && (v == 0 || count <= (std::uint64_t{1} << 62) / v),
                     "{}: tensor '{}' has an absurd dimension {}", file, name, v);
      count *= v;
      shape.push_back(static_cast<std::int64_t>(v));
    }
    const auto begin = (*off)[0].get<std::uint64_t>(), end = (*off)[1].get<std::uint64_t>();
    EMBED_CHECK_AS(FormatError, begin <= end && end <= buffer_len,
                   "{}: tensor '{}' has data_offsets [{}, {}] outside the {}-byte data buffer", file, name, begin, end,
                   buffer_len);
    EMBED_CHECK_AS(FormatError, count <= buffer_len && end - begin == count * info->bytes,
                   "{}: tensor '{}' of {} {} needs {} bytes but data_offsets span {}", file, name, info->name,
                   shape_str(shape), count * info->bytes, end - begin);
    spans.push_back({begin, end, name});
    out.tensors[name] = decode(*info, buffer + begin, shape, keep_alive, file, name);
  }
  // The tensors must tile the buffer: no overlap and no hole (as the reference reader).
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::uint64_t at = 0;
  for (const Span& s : spans) {
    EMBED_CHECK_AS(FormatError, s.begin >= at || s.begin == s.end, "{}: tensor '{}' overlaps the tensor before it",
                   file, s.name);
    EMBED_CHECK_AS(FormatError, s.begin <= at, "{}: a gap of {} bytes before tensor '{}'", file, s.begin - at, s.name);
    at = std::max(at, s.end);
  }
  EMBED_CHECK_AS(FormatError, at == buffer_len, "{}: {} bytes after the last tensor are not described by the header",
                 file, buffer_len - at);
  return out;
}

SafeTensors load_safetensors(const std::string& path) {
  auto mapped = MappedFile::open(path);
  return parse_safetensors(mapped->data(), mapped->size(), mapped, path);
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> ordered;
  std::uint64_t at = 0;
  for (const auto& [name, t] : tensors) {
    EMBED_CHECK(name != "__metadata__", "a tensor cannot be named __metadata__");
    const Tensor c = t.contiguous();
    const std::uint64_t bytes = static_cast<std::uint64_t>(c.numel()) * dtype_size(c.dtype());
    header[name] = {{"dtype", safetensors_name(c.dtype())}, {"shape", c.shape()}, {"data_offsets", {at, at + bytes}}};
    at += bytes;
    ordered.push_back(c);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
  write_file_atomic(path, [&](int fd) {
    unsigned char len[8];
    std::uint64_t n = text.size();
    for (unsigned char& b : len) {
      b = static_cast<unsigned char>(n & 0xff);
      n >>= 8;
    }
    write_all(fd, len, 8, path);
    write_all(fd, text.data(), text.size(), path);
    for (const Tensor& c : ordered)
      write_all(fd, static_cast<const unsigned char*>(c.storage()->data()) + c.offset() * dtype_size(c.dtype()),
                static_cast<std::size_t>(c.numel()) * dtype_size(c.dtype()), path);
  });
}

}  // namespace embed
