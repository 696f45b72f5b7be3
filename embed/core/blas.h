// The one place that calls BLAS. Row-major single-precision GEMM:
// C = alpha · op(A) · op(B) + beta · C, op = transpose when the flag is set.
#pragma once

#include <cstdint>

namespace embed {

void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
          std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc);

}  // namespace embed
