// libFuzzer target: any byte string must load as word2vec vectors (binary
// when the first byte is odd, text otherwise) or throw embed::Error.
#include <cstddef>
#include <cstdint>

#include "embed/core/error.h"
#include "embed/text/static/keyed_vectors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  try {
    (void)embed::text::KeyedVectors::parse_word2vec(data + 1, size - 1, "fuzz", data[0] & 1).size();
  } catch (const embed::Error&) {
  }
  return 0;
}
