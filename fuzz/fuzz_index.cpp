// libFuzzer target: any byte string must load as an index file (exact, HNSW or
// IVF-PQ) or throw embed::Error, and a loaded index must answer a query. The
// harness rewrites the last 4 bytes as the CRC-32 of the rest, so mutations
// reach the payload parsers (the HNSW graph validator above all) instead of
// stopping at the checksum.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "embed/core/error.h"
#include "embed/io/checksum.h"
#include "embed/search/index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  std::vector<unsigned char> bytes(data, data + size);
  const std::uint32_t crc = embed::crc32_update(0, bytes.data(), size - 4);
  std::memcpy(bytes.data() + size - 4, &crc, 4);  // little-endian, as the format
  try {
    const auto index = embed::search::parse_index(bytes.data(), bytes.size(), "fuzz");
    if (index->dim() <= 4096) {
      const std::vector<float> query(static_cast<std::size_t>(index->dim()), 0.5f);
      (void)index->search(query.data(), 1, 3);
    }
  } catch (const embed::Error&) {
  }
  return 0;
}
