// The one place that calls BLAS (and LAPACK, which OpenBLAS includes). Row-major single-precision GEMM:
// C = alpha · op(A) · op(B) + beta · C, op = transpose when the flag is set.
#pragma once

#include <cstdint>

namespace embed {

void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
          std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc);

// out (d x d, row-major, double) = X^T X for X (n x d, row-major float),
// accumulated in double (dsyrk over blocks of rows); both triangles filled.
void gram_matrix(const float* x, std::int64_t n, std::int64_t d, double* out);

// Eigen-decomposition of the symmetric n x n matrix `a` (row-major, double;
// only its lower triangle is read) by LAPACK's dsyevd: `values` gets the n
// eigenvalues in ascending order and `a` is overwritten with the
// eigenvectors, eigenvector j in column j (a[i * n + j]).
void symmetric_eigen(double* a, std::int64_t n, double* values);

}  // namespace embed
