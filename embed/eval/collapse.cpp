#include "embed/eval/collapse.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "embed/core/blas.h"
#include "embed/core/error.h"
#include "embed/core/rng.h"

namespace embed::eval {

namespace {

double cosine(const float* a, const float* b, double na, double nb, std::int64_t d) {
  double s = 0;
  for (std::int64_t k = 0; k < d; ++k) s += static_cast<double>(a[k]) * b[k];
  return s / (na * nb);
}

}  // namespace

CollapseReport collapse_report(const float* x, std::int64_t n, std::int64_t d, const CollapseOptions& o) {
  EMBED_CHECK(n >= 2 && d >= 1, "collapse report needs at least 2 vectors of dimension >= 1, got {} x {}", n, d);
  for (std::int64_t i = 0; i < n * d; ++i)
    EMBED_CHECK(std::isfinite(x[i]), "vector {} has a NaN or infinite value", i / d);
  CollapseReport r;
  r.n = n;
  r.dim = d;

  std::vector<double> norm(static_cast<std::size_t>(n));
  std::vector<std::int64_t> nonzero;
  for (std::int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (std::int64_t k = 0; k < d; ++k) s += static_cast<double>(x[i * d + k]) * x[i * d + k];
    norm[static_cast<std::size_t>(i)] = std::sqrt(s);
    if (s > 0) nonzero.push_back(i);
  }
  r.zero_vectors = n - static_cast<std::int64_t>(nonzero.size());
  const std::int64_t m = static_cast<std::int64_t>(nonzero.size());
  double sum = 0;
  if (m >= 2 && m <= o.exact_pairs_limit) {
    for (std::int64_t a = 0; a < m; ++a)
      for (std::int64_t b = a + 1; b < m; ++b) {
        const std::int64_t i = nonzero[static_cast<std::size_t>(a)], j = nonzero[static_cast<std::size_t>(b)];
        sum += cosine(x + i * d, x + j * d, norm[static_cast<std::size_t>(i)], norm[static_cast<std::size_t>(j)], d);
      }
    r.pairs = m * (m - 1) / 2;
  } else if (m >= 2) {
    Generator g(o.seed);
    r.pairs_exact = false;
    for (std::int64_t p = 0; p < o.sampled_pairs; ++p) {
      const std::int64_t a = static_cast<std::int64_t>(g.next_u64() % static_cast<std::uint64_t>(m));
      std::int64_t b = static_cast<std::int64_t>(g.next_u64() % static_cast<std::uint64_t>(m - 1));
      if (b >= a) ++b;  // a pair of two different vectors, uniformly
      const std::int64_t i = nonzero[static_cast<std::size_t>(a)], j = nonzero[static_cast<std::size_t>(b)];
      sum += cosine(x + i * d, x + j * d, norm[static_cast<std::size_t>(i)], norm[static_cast<std::size_t>(j)], d);
    }
    r.pairs = o.sampled_pairs;
  }
  r.mean_cosine = r.pairs ? sum / static_cast<double>(r.pairs) : 0.0;

  // Per-dimension mean and variance (two passes, double).
  std::vector<double> mean(static_cast<std::size_t>(d), 0.0);
  r.variance.assign(static_cast<std::size_t>(d), 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < d; ++k) mean[static_cast<std::size_t>(k)] += x[i * d + k];
  for (double& v : mean) v /= static_cast<double>(n);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < d; ++k) {
      const double c = x[i * d + k] - mean[static_cast<std::size_t>(k)];
      r.variance[static_cast<std::size_t>(k)] += c * c;
    }
  for (double& v : r.variance) v /= static_cast<double>(n);
  r.max_variance = *std::max_element(r.variance.begin(), r.variance.end());
  r.min_variance = *std::min_element(r.variance.begin(), r.variance.end());
  double total_var = 0;
  for (double v : r.variance) {
    total_var += v;
    if (v <= o.dead_variance_fraction * r.max_variance) ++r.dead_dimensions;
  }
  r.mean_variance = total_var / static_cast<double>(d);

  // Singular values and right singular vectors from the eigen-decomposition of X^T X.
  std::vector<double> gram(static_cast<std::size_t>(d * d)), eig(static_cast<std::size_t>(d));
  gram_matrix(x, n, d, gram.data());
  symmetric_eigen(gram.data(), d, eig.data());
  double s_total = 0;
  for (std::int64_t k = d - 1; k >= 0; --k) {
    const double s = std::sqrt(std::max(0.0, eig[static_cast<std::size_t>(k)]));
    r.singular_values.push_back(s);
    s_total += s;
  }
  double entropy = 0;
  if (s_total > 0)
    for (double s : r.singular_values) {
      const double p = s / s_total;
      if (p > 0) entropy -= p * std::log(p);
    }
  r.effective_rank = s_total > 0 ? std::exp(entropy) : 0.0;

  // Isotropy: log Z(c) by log-sum-exp so large dot products do not overflow.
  // dots = X C (n x d), C the eigenvectors as columns.
  std::vector<float> c(gram.begin(), gram.end()), dots(static_cast<std::size_t>(n * d));
  gemm(false, false, n, d, d, 1.0f, x, d, c.data(), d, 0.0f, dots.data(), d);
  double log_min = std::numeric_limits<double>::infinity(), log_max = -log_min;
  // Eigenvectors have no sign, so both c and -c count.
  for (std::int64_t j = 0; j < 2 * d; ++j) {
    const double sign = j < d ? 1.0 : -1.0;
    const std::int64_t col = j % d;
    double top = -std::numeric_limits<double>::infinity();
    for (std::int64_t i = 0; i < n; ++i) top = std::max(top, sign * dots[static_cast<std::size_t>(i * d + col)]);
    double z = 0;
    for (std::int64_t i = 0; i < n; ++i) z += std::exp(sign * dots[static_cast<std::size_t>(i * d + col)] - top);
    const double log_z = top + std::log(z);
    log_min = std::min(log_min, log_z);
    log_max = std::max(log_max, log_z);
  }
  r.isotropy = std::exp(log_min - log_max);

  if (r.mean_cosine > o.max_mean_cosine)
    r.warnings.push_back(fmt::format("mean pairwise cosine {:.3f} > {}: the vectors point (almost) the same way",
                                     r.mean_cosine, o.max_mean_cosine));
  if (r.effective_rank < o.min_effective_rank_fraction * static_cast<double>(d))
    r.warnings.push_back(
        fmt::format("effective rank {:.1f} of {} dimensions: dimensional collapse", r.effective_rank, d));
  if (r.dead_dimensions > 0)
    r.warnings.push_back(fmt::format("{} of {} dimensions have (almost) no variance", r.dead_dimensions, d));
  if (r.zero_vectors > 0) r.warnings.push_back(fmt::format("{} of {} vectors are all zeros", r.zero_vectors, n));
  return r;
}

}  // namespace embed::eval
