#include "embed/core/blas.h"

#include <cblas.h>

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "embed/core/error.h"

// LAPACK's Fortran interface (OpenBLAS exports it; no LAPACKE header needed).
extern "C" void dsyevd_(const char* jobz, const char* uplo, const blasint* n, double* a, const blasint* lda, double* w,
                        double* work, const blasint* lwork, blasint* iwork, const blasint* liwork, blasint* info);

namespace embed {

void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
          std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  constexpr auto kMax = static_cast<std::int64_t>(std::numeric_limits<blasint>::max());
  EMBED_CHECK(m <= kMax && n <= kMax && k <= kMax && lda <= kMax && ldb <= kMax && ldc <= kMax,
              "matrix of {}x{}x{} exceeds the BLAS index range", m, n, k);
  if (k == 0) {  // BLAS leaves C untouched for k = 0 only when beta = 1
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

void gram_matrix(const float* x, std::int64_t n, std::int64_t d, double* out) {
  std::fill(out, out + d * d, 0.0);
  if (n == 0 || d == 0) return;
  constexpr std::int64_t kRows = 2048;
  EMBED_CHECK(d <= std::numeric_limits<blasint>::max(), "dimension {} exceeds the BLAS index range", d);
  std::vector<double> block(static_cast<std::size_t>(std::min(n, kRows) * d));
  for (std::int64_t r = 0; r < n; r += kRows) {
    const std::int64_t rows = std::min(kRows, n - r);
    std::copy(x + r * d, x + (r + rows) * d, block.begin());
    // Row-major A (rows x d): C += A^T A, the lower triangle of C.
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, static_cast<blasint>(d), static_cast<blasint>(rows), 1.0,
                block.data(), static_cast<blasint>(d), 1.0, out, static_cast<blasint>(d));
  }
  for (std::int64_t i = 0; i < d; ++i)
    for (std::int64_t j = i + 1; j < d; ++j) out[i * d + j] = out[j * d + i];
}

void symmetric_eigen(double* a, std::int64_t n, double* values) {
  if (n == 0) return;
  EMBED_CHECK(n <= 46340, "symmetric matrix of {}x{} is too large for LAPACK's index range", n, n);
  // Fortran is column-major: our row-major lower triangle is its upper one,
  // and the eigenvectors come back as its columns, i.e. our rows; transpose.
  const blasint nn = static_cast<blasint>(n);
  const char jobz = 'V', uplo = 'U';
  blasint lwork = -1, liwork = -1, info = 0, iwork_size = 0;
  double work_size = 0;
  dsyevd_(&jobz, &uplo, &nn, a, &nn, values, &work_size, &lwork, &iwork_size, &liwork, &info);
  EMBED_CHECK(info == 0, "dsyevd workspace query failed ({})", info);
  lwork = static_cast<blasint>(work_size);
  liwork = iwork_size;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  std::vector<blasint> iwork(static_cast<std::size_t>(liwork));
  dsyevd_(&jobz, &uplo, &nn, a, &nn, values, work.data(), &lwork, iwork.data(), &liwork, &info);
  EMBED_CHECK(info == 0, "dsyevd did not converge ({})", info);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = i + 1; j < n; ++j) std::swap(a[i * n + j], a[j * n + i]);
}

}  // namespace embed
