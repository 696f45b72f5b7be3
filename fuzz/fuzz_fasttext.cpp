// libFuzzer target: any byte string must load as a fastText .bin model or
// throw embed::Error; a loaded model must give a vector for any word.
#include <cstddef>
#include <cstdint>

#include "embed/core/error.h"
#include "embed/text/static/subword.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto model = embed::text::SubwordVectors::parse_fasttext(data, size, "fuzz");
    (void)model.word_vector("fuzzing\xc3\xa9");
  } catch (const embed::Error&) {
  }
  return 0;
}
