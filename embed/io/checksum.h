// CRC-32 (the zlib / zip / PNG polynomial) over any length, resumable:
// crc32_update(crc32_update(0, a), b) == crc32 of a followed by b.
#pragma once

#include <cstddef>
#include <cstdint>

namespace embed {

std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t size);

}  // namespace embed
