#include "embed/search/index_file.h"

#include <cstring>

#include "embed/core/error.h"
#include "embed/io/atomic_file.h"
#include "embed/io/checksum.h"

namespace embed::search {

namespace {

constexpr char kMagic[8] = {'E', 'M', 'B', 'E', 'D', 'I', 'D', 'X'};
constexpr std::size_t kKindBytes = 16;
constexpr std::size_t kHeaderBytes = 8 + 4 + kKindBytes + 4 + 8 + 8;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i, v >>= 8) out.push_back(static_cast<char>(v & 0xff));
}

std::uint64_t get_le(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i, v >>= 8) out.push_back(static_cast<char>(v & 0xff));
}

void write_index_file(const std::string& path, const IndexHeader& h, std::string_view payload) {
  EMBED_CHECK(!h.kind.empty() && h.kind.size() < kKindBytes, "index kind '{}' must be 1-15 bytes", h.kind);
  std::string head(kMagic, sizeof kMagic);
  put_u32(head, kIndexFormatVersion);
  head += h.kind;
  head.append(kKindBytes - h.kind.size(), '\0');
  put_u32(head, static_cast<std::uint32_t>(h.metric));
  put_u64(head, static_cast<std::uint64_t>(h.dim));
  put_u64(head, payload.size());
  std::uint32_t crc = crc32_update(0, head.data(), head.size());
  crc = crc32_update(crc, payload.data(), payload.size());
  std::string tail;
  put_u32(tail, crc);
  write_file_atomic(path, [&](int fd) {
    write_all(fd, head.data(), head.size(), path);
    write_all(fd, payload.data(), payload.size(), path);
    write_all(fd, tail.data(), tail.size(), path);
  });
}

IndexHeader read_index_file(const unsigned char* data, std::size_t size, const std::string& name,
                            std::string_view& payload) {
  EMBED_CHECK_AS(FormatError, size >= kHeaderBytes + 4 && std::memcmp(data, kMagic, sizeof kMagic) == 0,
                 "{}: not an embed.cpp index file (no EMBEDIDX header)", name);
  const auto version = static_cast<std::uint32_t>(get_le(data + 8, 4));
  EMBED_CHECK_AS(FormatError, version == kIndexFormatVersion,
                 "{}: index format version {} (this build reads version {})", name, version, kIndexFormatVersion);
  IndexHeader h;
  const char* kind = reinterpret_cast<const char*>(data + 12);
  h.kind.assign(kind, strnlen(kind, kKindBytes));
  const auto metric = static_cast<std::uint32_t>(get_le(data + 12 + kKindBytes, 4));
  EMBED_CHECK_AS(FormatError, metric <= 2, "{}: unknown metric code {}", name, metric);
  h.metric = static_cast<Metric>(metric);
  const std::uint64_t dim = get_le(data + 16 + kKindBytes, 8);
  EMBED_CHECK_AS(FormatError, dim >= 1 && dim <= (1u << 20), "{}: dimension {} out of range", name, dim);
  h.dim = static_cast<std::int64_t>(dim);
  const std::uint64_t length = get_le(data + 24 + kKindBytes, 8);
  EMBED_CHECK_AS(FormatError, length == size - kHeaderBytes - 4,
                 "{}: payload of {} bytes announced, {} present (truncated or padded file)", name, length,
                 size - kHeaderBytes - 4);
  const auto stored = static_cast<std::uint32_t>(get_le(data + size - 4, 4));
  EMBED_CHECK_AS(FormatError, crc32_update(0, data, size - 4) == stored, "{}: checksum mismatch (damaged file)", name);
  payload = std::string_view(reinterpret_cast<const char*>(data + kHeaderBytes), length);
  return h;
}

std::uint64_t PayloadReader::u64(const char* what) {
  EMBED_CHECK_AS(FormatError, p_.size() - at_ >= 8, "{}: payload ends in {}", name_, what);
  const std::uint64_t v = get_le(reinterpret_cast<const unsigned char*>(p_.data() + at_), 8);
  at_ += 8;
  return v;
}

void PayloadReader::copy(void* out, std::uint64_t n, std::size_t item_size, const char* what) {
  EMBED_CHECK_AS(FormatError, n <= (p_.size() - at_) / item_size, "{}: payload too short for {} ({} items)", name_,
                 what, n);
  if (n) std::memcpy(out, p_.data() + at_, n * item_size);
  at_ += n * item_size;
}

}  // namespace embed::search
