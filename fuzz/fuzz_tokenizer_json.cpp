// libFuzzer target: any byte string given as a tokenizer.json must load or
// throw embed::Error; a tokenizer that loads must encode a fixed sample
// without crashing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "embed/core/error.h"
#include "embed/text/tokenize/tokenizer_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto tok = embed::text::parse_tokenizer_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    (void)tok.encode_pair("Hello, W\xC3\xB6rld! \xE4\xB8\xAD 42 <s>", "x y");
  } catch (const embed::Error&) {
  }
  return 0;
}
