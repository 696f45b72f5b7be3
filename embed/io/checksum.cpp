#include "embed/io/checksum.h"

#include <zlib.h>

#include <algorithm>

namespace embed {

std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t size) {
  const auto* p = static_cast<const Bytef*>(data);
  uLong c = crc;
  // zlib takes a uInt length: feed it in chunks.
  for (std::size_t at = 0; at < size;) {
    const std::size_t n = std::min<std::size_t>(size - at, std::size_t{1} << 30);
    c = crc32(c, p + at, static_cast<uInt>(n));
    at += n;
  }
  return static_cast<std::uint32_t>(c);
}

}  // namespace embed
