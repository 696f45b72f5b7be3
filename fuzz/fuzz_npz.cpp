// libFuzzer target: any byte string must parse as a scipy CSR .npz (zip of
// .npy members) or throw embed::Error, never crash.
#include <cstddef>
#include <cstdint>

#include "embed/core/error.h"
#include "embed/text/sparse/csr.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)embed::text::parse_npz(data, size, "fuzz").nnz();
  } catch (const embed::Error&) {
  }
  return 0;
}
