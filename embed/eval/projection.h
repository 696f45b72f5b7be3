// Vectors down to 2-D (or k-D) for looking at them.
//
// PCA: centre, eigen-decompose the covariance X^T X / (n - 1), project on
// the top k eigenvectors. Signs follow scikit-learn's svd_flip (u-based):
// in each component the coordinate of largest magnitude is positive.
//
// t-SNE (van der Maaten & Hinton 2008), as scikit-learn's TSNE (1.2,
// method="barnes_hut" inputs, exact gradient):
//   - affinities: each point's k = min(n-1, floor(3 * perplexity + 1))
//     nearest neighbours by squared Euclidean distance; p_{j|i} ∝
//     exp(-beta_i d_ij^2) with beta_i found by scikit-learn's binary
//     search (at most 100 steps, |H - ln(perplexity)| <= 1e-5);
//     P = (P + P^T) / sum;
//   - low-dimensional similarities q_ij ∝ (1 + |y_i - y_j|^2)^-1 over all
//     pairs (exact, O(n^2) per iteration: fine up to about 10k points);
//   - gradient descent: 1000 iterations, early exaggeration 12 for the first
//     250 with momentum 0.5, then 0.8; learning rate max(n / 12 / 4, 50)
//     ("auto"); delta-bar-delta gains (+0.2 / x0.8, at least 0.01);
//     initialised by PCA scaled to standard deviation 1e-4 in the first
//     coordinate.
#pragma once

#include <cstdint>
#include <vector>

namespace embed::eval {

struct PcaResult {
  std::vector<float> coords;               // n x k
  std::vector<double> explained_variance;  // k eigenvalues of the covariance
  std::vector<double> explained_variance_ratio;
};
PcaResult pca(const float* x, std::int64_t n, std::int64_t dim, std::int64_t k = 2);

struct TsneOptions {
  double perplexity = 30;
  std::int64_t iterations = 1000;
  double early_exaggeration = 12;
  std::int64_t exaggeration_iterations = 250;
  double learning_rate = 0;  // 0: "auto"
  bool progress = false;     // a progress bar on stderr
};
struct TsneResult {
  std::vector<float> coords;  // n x 2
  double kl_divergence = 0;   // KL(P || Q) at the end
};
// The symmetric affinities P (n x n, dense, row-major; for tests and small n).
std::vector<double> tsne_affinities(const float* x, std::int64_t n, std::int64_t dim, double perplexity);
TsneResult tsne(const float* x, std::int64_t n, std::int64_t dim, const TsneOptions& options = {});

}  // namespace embed::eval
