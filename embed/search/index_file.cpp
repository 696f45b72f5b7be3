#include "embed/search/index_file.h"

#include <cstring>

#include "embed/core/error.h"
#include "embed/io/atomic_file.h"
#include "embed/io/checksum.h"
#include "embed/io/little_endian.h"

namespace embed::search {

namespace {

constexpr char kMagic[8] = {'E', 'M', 'B', 'E', 'D', 'I', 'D', 'X'};
constexpr std::size_t kKindBytes = 16;
constexpr std::size_t kHeaderBytes = 8 + 4 + kKindBytes + 4 + 8 + 8;

}  // namespace

void write_index_file(const std::string& path, const IndexHeader& h, std::string_view payload) {
  EMBED_CHECK(!h.kind.empty() && h.kind.size() < kKindBytes, "index kind '{}' must be 1-15 bytes", h.kind);
  std::string head(kMagic, sizeof kMagic);
  append_le(head, kIndexFormatVersion, 4);
  head += h.kind;
  head.append(kKindBytes - h.kind.size(), '\0');
  append_le(head, static_cast<std::uint32_t>(h.metric), 4);
  append_le(head, static_cast<std::uint64_t>(h.dim), 8);
  append_le(head, payload.size(), 8);
  std::uint32_t crc = crc32_update(0, head.data(), head.size());
  crc = crc32_update(crc, payload.data(), payload.size());
  std::string tail;
  append_le(tail, crc, 4);
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
  const auto version = static_cast<std::uint32_t>(read_le(data + 8, 4));
  EMBED_CHECK_AS(FormatError, version == kIndexFormatVersion,
                 "{}: index format version {} (this build reads version {})", name, version, kIndexFormatVersion);
  IndexHeader h;
  const char* kind = reinterpret_cast<const char*>(data + 12);
  h.kind.assign(kind, strnlen(kind, kKindBytes));
  const auto metric = static_cast<std::uint32_t>(read_le(data + 12 + kKindBytes, 4));
  EMBED_CHECK_AS(FormatError, metric <= 2, "{}: unknown metric code {}", name, metric);
  h.metric = static_cast<Metric>(metric);
  const std::uint64_t dim = read_le(data + 16 + kKindBytes, 8);
  EMBED_CHECK_AS(FormatError, dim >= 1 && dim <= (1u << 20), "{}: dimension {} out of range", name, dim);
  h.dim = static_cast<std::int64_t>(dim);
  const std::uint64_t length = read_le(data + 24 + kKindBytes, 8);
  EMBED_CHECK_AS(FormatError, length == size - kHeaderBytes - 4,
                 "{}: payload of {} bytes announced, {} present (truncated or padded file)", name, length,
                 size - kHeaderBytes - 4);
  const auto stored = static_cast<std::uint32_t>(read_le(data + size - 4, 4));
  EMBED_CHECK_AS(FormatError, crc32_update(0, data, size - 4) == stored, "{}: checksum mismatch (damaged file)", name);
  payload = std::string_view(reinterpret_cast<const char*>(data + kHeaderBytes), length);
  return h;
}

std::uint64_t PayloadReader::u64(const char* what) {
  EMBED_CHECK_AS(FormatError, p_.size() - at_ >= 8, "{}: payload ends in {}", name_, what);
  const std::uint64_t v = read_le(reinterpret_cast<const unsigned char*>(p_.data() + at_), 8);
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
