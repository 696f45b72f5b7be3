// libFuzzer target: any byte string must parse or throw embed::Error, never crash.
#include <cstddef>
#include <cstdint>

#include "embed/core/error.h"
#include "embed/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto st = embed::parse_safetensors(data, size, nullptr, "fuzz");
    for (auto& [name, t] : st.tensors) (void)t.numel();
  } catch (const embed::Error&) {
  }
  return 0;
}
