// Fixed-width little-endian integers in byte buffers, the byte order of the
// binary formats we write ourselves (zip, index files), whatever the host.
#pragma once

#include <cstdint>
#include <string>

namespace embed {

// The `bytes`-byte (1..8) little-endian unsigned integer at p.
inline std::uint64_t read_le(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Appends the low `bytes` bytes of v, least significant first.
inline void append_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i, v >>= 8) out.push_back(static_cast<char>(v & 0xff));
}

}  // namespace embed
