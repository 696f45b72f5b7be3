// libFuzzer target: any byte string must parse or throw embed::Error, never crash.
#include <cstddef>
#include <cstdint>

#include "embed/core/error.h"
#include "embed/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)embed::parse_npy(data, size, "fuzz").numel();
  } catch (const embed::Error&) {
  }
  return 0;
}
