#include "embed/io/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include "embed/core/error.h"
#include "embed/core/storage.h"
#include "embed/io/atomic_file.h"
#include "embed/io/checksum.h"
#include "embed/io/little_endian.h"

namespace embed {

namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr std::size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;
// Decompressed members larger than this are refused: an .npz member that big
// is not something this library loads into memory, and it bounds zip bombs.
constexpr std::uint64_t kMaxMember = std::uint64_t{1} << 34;

std::uint32_t crc_of(const std::string& s) { return crc32_update(0, s.data(), s.size()); }

std::string inflate_raw(const unsigned char* src, std::size_t n, std::uint64_t expected, const std::string& where) {
  std::string out(expected, '\0');
  z_stream z{};
  EMBED_CHECK_AS(FormatError, inflateInit2(&z, -MAX_WBITS) == Z_OK, "{}: cannot start inflate", where);
  z.next_in = const_cast<Bytef*>(src);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  // zlib counts in uInt: hand it the buffers in chunks of at most 1 GiB.
  std::size_t in_left = n, out_left = out.size();
  int rc = Z_OK;
  do {
    if (z.avail_in == 0) {
      z.avail_in = static_cast<uInt>(std::min<std::size_t>(in_left, 1u << 30));
      in_left -= z.avail_in;
    }
    if (z.avail_out == 0) {
      z.avail_out = static_cast<uInt>(std::min<std::size_t>(out_left, 1u << 30));
      out_left -= z.avail_out;
    }
    rc = inflate(&z, Z_NO_FLUSH);  // Z_BUF_ERROR: no progress possible (input or output used up)
  } while (rc == Z_OK);
  const bool complete = rc == Z_STREAM_END && z.avail_out == 0 && out_left == 0 && z.avail_in == 0 && in_left == 0;
  inflateEnd(&z);
  EMBED_CHECK_AS(FormatError, complete,
                 "{}: deflated data is corrupt or its size differs from the directory's {} bytes", where, expected);
  return out;
}

}  // namespace

std::map<std::string, std::string> parse_zip(const unsigned char* data, std::size_t size, const std::string& name) {
  EMBED_CHECK_AS(FormatError, size >= kEndSize, "{}: not a zip file (too short)", name);
  // The end-of-central-directory record sits in the last 22 + 65535 bytes.
  std::size_t end = std::numeric_limits<std::size_t>::max();
  const std::size_t lowest = size >= kEndSize + 65535 ? size - kEndSize - 65535 : 0;
  for (std::size_t p = size - kEndSize + 1; p-- > lowest;) {
    if (read_le(data + p, 4) == kEndSig && p + kEndSize + read_le(data + p + 20, 2) == size) {
      end = p;
      break;
    }
  }
  EMBED_CHECK_AS(FormatError, end != std::numeric_limits<std::size_t>::max(),
                 "{}: not a zip file (no end-of-central-directory record)", name);
  std::uint64_t count = read_le(data + end + 10, 2), dir_size = read_le(data + end + 12, 4),
                dir_at = read_le(data + end + 16, 4);
  if (count == 0xffff || dir_size == 0xffffffff || dir_at == 0xffffffff) {
    // Zip64: a locator just before the end record points at the Zip64 end record.
    EMBED_CHECK_AS(FormatError, end >= 20 && read_le(data + end - 20, 4) == kZip64LocatorSig,
                   "{}: Zip64 sizes without a Zip64 locator", name);
    const std::uint64_t z64 = read_le(data + end - 20 + 8, 8);
    EMBED_CHECK_AS(FormatError, z64 <= size && size - z64 >= 56 && read_le(data + z64, 4) == kZip64EndSig,
                   "{}: Zip64 end record out of range", name);
    count = read_le(data + z64 + 32, 8);
    dir_size = read_le(data + z64 + 40, 8);
    dir_at = read_le(data + z64 + 48, 8);
  }
  EMBED_CHECK_AS(FormatError, dir_at <= size && dir_size <= size - dir_at, "{}: central directory out of range", name);
  EMBED_CHECK_AS(FormatError, count <= dir_size / kCentralSize, "{}: {} members cannot fit a {}-byte directory", name,
                 count, dir_size);
  std::map<std::string, std::string> members;
  std::uint64_t at = dir_at;
  for (std::uint64_t i = 0; i < count; ++i) {
    EMBED_CHECK_AS(FormatError, dir_at + dir_size - at >= kCentralSize && read_le(data + at, 4) == kCentralSig,
                   "{}: bad central directory entry {}", name, i);
    const unsigned char* e = data + at;
    const std::uint64_t flags = read_le(e + 8, 2), method = read_le(e + 10, 2), crc = read_le(e + 16, 4);
    std::uint64_t packed = read_le(e + 20, 4), plain = read_le(e + 24, 4), local = read_le(e + 42, 4);
    const std::uint64_t name_len = read_le(e + 28, 2), extra_len = read_le(e + 30, 2), comment_len = read_le(e + 32, 2);
    EMBED_CHECK_AS(FormatError, kCentralSize + name_len + extra_len + comment_len <= dir_at + dir_size - at,
                   "{}: central directory entry {} runs past the directory", name, i);
    const std::string member(reinterpret_cast<const char*>(e + kCentralSize), name_len);
    const std::string where = name + ":" + member;
    // Zip64 extra field (id 1): the 8-byte values replace those set to 0xffffffff, in this order.
    for (std::uint64_t x = 0; x + 4 <= extra_len;) {
      const unsigned char* f = e + kCentralSize + name_len + x;
      const std::uint64_t id = read_le(f, 2), len = read_le(f + 2, 2);
      EMBED_CHECK_AS(FormatError, x + 4 + len <= extra_len, "{}: extra field runs past its entry", where);
      if (id == 1) {
        std::uint64_t off = 4;
        for (std::uint64_t* v : {&plain, &packed, &local}) {
          if (*v != 0xffffffff) continue;
          EMBED_CHECK_AS(FormatError, off + 8 <= 4 + len, "{}: Zip64 field too short", where);
          *v = read_le(f + off, 8);
          off += 8;
        }
      }
      x += 4 + len;
    }
    EMBED_CHECK_AS(FormatError, (flags & 1) == 0, "{}: encrypted members are not supported", where);
    EMBED_CHECK_AS(Unsupported, method == 0 || method == 8,
                   "{}: compression method {} is not supported (stored and deflate are)", where, method);
    EMBED_CHECK_AS(FormatError, plain <= kMaxMember, "{}: member of {} bytes is too large", where, plain);
    EMBED_CHECK_AS(FormatError, local <= size && size - local >= kLocalSize && read_le(data + local, 4) == kLocalSig,
                   "{}: local header out of range", where);
    const std::uint64_t body = local + kLocalSize + read_le(data + local + 26, 2) + read_le(data + local + 28, 2);
    EMBED_CHECK_AS(FormatError, body <= size && packed <= size - body, "{}: member data runs past the file", where);
    // Deflate expands at most 1032:1 (RFC 1951's longest match per 2-bit
    // code): a larger claimed size is a lie, refused before allocating it.
    EMBED_CHECK_AS(FormatError, method == 0 || plain <= packed * 1032 + 64,
                   "{}: claims {} bytes from {} deflated bytes", where, plain, packed);
    std::string content;
    if (method == 0) {
      EMBED_CHECK_AS(FormatError, packed == plain, "{}: stored member with different sizes", where);
      content.assign(reinterpret_cast<const char*>(data + body), plain);
    } else {
      content = inflate_raw(data + body, packed, plain, where);
    }
    EMBED_CHECK_AS(FormatError, crc_of(content) == crc, "{}: CRC-32 mismatch", where);
    EMBED_CHECK_AS(FormatError, members.emplace(member, std::move(content)).second, "{}: duplicate member", where);
    at += kCentralSize + name_len + extra_len + comment_len;
  }
  return members;
}

std::map<std::string, std::string> load_zip(const std::string& path) {
  auto mapped = MappedFile::open(path);
  return parse_zip(mapped->data(), mapped->size(), path);
}

void save_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members) {
  write_file_atomic(path, [&](int fd) {
    std::uint64_t written = 0;
    const auto emit = [&](const std::string& bytes) {
      write_all(fd, bytes.data(), bytes.size(), path);
      written += bytes.size();
    };
    std::string dir;
    for (const auto& entry : members) {
      const std::string& member = entry.first;  // named, not bound: the lambda below captures them
      const std::string& content = entry.second;
      const std::uint64_t local = written;
      // Sizes and offsets that do not fit 32 bits go in a Zip64 extra field (id 1).
      const bool z64 = content.size() >= 0xffffffffu || local >= 0xffffffffu;
      const std::uint32_t crc = crc_of(content);
      const auto header = [&](bool central) {
        std::string extra;
        if (z64) {
          append_le(extra, 1, 2);
          append_le(extra, central ? 24 : 16, 2);
          append_le(extra, content.size(), 8);
          append_le(extra, content.size(), 8);
          if (central) append_le(extra, local, 8);
        }
        std::string h;
        append_le(h, central ? kCentralSig : kLocalSig, 4);
        if (central) append_le(h, z64 ? 45 : 20, 2);  // made by
        append_le(h, z64 ? 45 : 20, 2);               // version needed
        append_le(h, 0, 2);                           // flags
        append_le(h, 0, 2);                           // method: stored
        append_le(h, 0, 2);                           // time
        append_le(h, (1 << 5) | 1, 2);                // date: 1980-01-01, so output is reproducible
        append_le(h, crc, 4);
        append_le(h, z64 ? 0xffffffffu : content.size(), 4);
        append_le(h, z64 ? 0xffffffffu : content.size(), 4);
        append_le(h, member.size(), 2);
        append_le(h, extra.size(), 2);
        if (central) {
          append_le(h, 0, 2);  // comment
          append_le(h, 0, 2);  // disk
          append_le(h, 0, 2);  // internal attributes
          append_le(h, 0, 4);  // external attributes
          append_le(h, z64 ? 0xffffffffu : local, 4);
        }
        return h + member + extra;
      };
      emit(header(false));
      emit(content);
      dir += header(true);
    }
    const std::uint64_t dir_at = written;
    emit(dir);
    const bool z64 = dir_at >= 0xffffffffu || members.size() >= 0xffff;
    std::string end;
    if (z64) {
      const std::uint64_t z64_at = written;
      append_le(end, kZip64EndSig, 4);
      append_le(end, 44, 8);
      append_le(end, 45, 2);
      append_le(end, 45, 2);
      append_le(end, 0, 4);
      append_le(end, 0, 4);
      append_le(end, members.size(), 8);
      append_le(end, members.size(), 8);
      append_le(end, dir.size(), 8);
      append_le(end, dir_at, 8);
      append_le(end, kZip64LocatorSig, 4);
      append_le(end, 0, 4);
      append_le(end, z64_at, 8);
      append_le(end, 1, 4);
    }
    append_le(end, kEndSig, 4);
    append_le(end, 0, 2);
    append_le(end, 0, 2);
    append_le(end, z64 ? 0xffff : members.size(), 2);
    append_le(end, z64 ? 0xffff : members.size(), 2);
    append_le(end, z64 ? 0xffffffffu : dir.size(), 4);
    append_le(end, z64 ? 0xffffffffu : dir_at, 4);
    append_le(end, 0, 2);
    emit(end);
  });
}

}  // namespace embed
