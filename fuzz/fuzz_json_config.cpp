// libFuzzer target: any byte string must parse or throw embed::Error, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "embed/core/error.h"
#include "embed/io/json_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)embed::parse_json(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz").size();
  } catch (const embed::Error&) {
  }
  return 0;
}
