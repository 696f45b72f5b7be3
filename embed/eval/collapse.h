// Is an embedding space collapsing? Four measures over n vectors of dim d:
//   - mean pairwise cosine: over every pair when n <= exact_pairs_limit,
//     else over `sampled_pairs` random pairs (seeded); near 1 means the
//     vectors all point one way (complete collapse);
//   - per-dimension variance (population, as numpy.var): dimensions with
//     (almost) none carry nothing;
//   - effective rank (Roy & Vetterli 2007; RankMe, Garrido et al. 2023):
//     exp(-sum p_k ln p_k) with p_k = s_k / sum s of the singular values of
//     the (uncentred) matrix: from 1 (rank one) to d (flat spectrum); far
//     below d means dimensional collapse;
//   - isotropy (Arora et al. 2016; Mu & Viswanath 2018, "All-but-the-Top"):
//     min_c Z(c) / max_c Z(c), Z(c) = sum_i exp(c . x_i), c over the
//     eigenvectors of X^T X and their negatives (an eigenvector's sign is
//     arbitrary); 1 is isotropic, near 0 is a narrow cone.
// Warnings name what looks collapsed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace embed::eval {

struct CollapseOptions {
  std::int64_t exact_pairs_limit = 2000;  // all pairs up to this many vectors
  std::int64_t sampled_pairs = 200000;
  std::uint64_t seed = 0;
  // Thresholds of the warnings.
  double max_mean_cosine = 0.9;
  double min_effective_rank_fraction = 0.1;  // of d
  double dead_variance_fraction = 1e-6;      // of the largest dimension's variance
};

struct CollapseReport {
  std::int64_t n = 0, dim = 0;
  double mean_cosine = 0;   // over pairs of nonzero vectors
  std::int64_t pairs = 0;   // how many pairs it averages
  bool pairs_exact = true;  // all pairs (or a sample)
  std::int64_t zero_vectors = 0;
  std::vector<double> variance;  // per dimension
  double mean_variance = 0, min_variance = 0, max_variance = 0;
  std::int64_t dead_dimensions = 0;
  std::vector<double> singular_values;  // descending
  double effective_rank = 0;
  double isotropy = 0;
  std::vector<std::string> warnings;
};

// x: n x dim, row-major. n >= 2 and finite values, or InvalidArgument.
CollapseReport collapse_report(const float* x, std::int64_t n, std::int64_t dim, const CollapseOptions& options = {});

}  // namespace embed::eval
