#include "embed/eval/projection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "embed/core/blas.h"
#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/core/progress.h"

namespace embed::eval {

namespace {

void check_input(const float* x, std::int64_t n, std::int64_t d, std::int64_t min_n, const char* what) {
  EMBED_CHECK(n >= min_n && d >= 1, "{} needs at least {} vectors of dimension >= 1, got {} x {}", what, min_n, n, d);
  for (std::int64_t i = 0; i < n * d; ++i)
    EMBED_CHECK(std::isfinite(x[i]), "{}: vector {} has a NaN or infinite value", what, i / d);
}

// Each point's k nearest other points and their squared distances
// (recomputed exactly in double after a GEMM-based search), nearest first.
void nearest_neighbours(const float* x, std::int64_t n, std::int64_t d, std::int64_t k, std::vector<std::int64_t>& nbr,
                        std::vector<double>& sqdist) {
  nbr.assign(static_cast<std::size_t>(n * k), 0);
  sqdist.assign(static_cast<std::size_t>(n * k), 0.0);
  std::vector<float> norms(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (std::int64_t c = 0; c < d; ++c) s += static_cast<double>(x[i * d + c]) * x[i * d + c];
    norms[static_cast<std::size_t>(i)] = static_cast<float>(s);
  }
  constexpr std::int64_t kBlock = 256;
  std::vector<float> dots(static_cast<std::size_t>(kBlock * n));
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t b = 0; b < n; b += kBlock) {
    const std::int64_t rows = std::min(kBlock, n - b);
    gemm(false, true, rows, n, d, 1.0f, x + b * d, d, x, d, 0.0f, dots.data(), n);
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t i = b + r;
      const float* dr = dots.data() + r * n;
      auto approx = [&](std::int64_t j) { return norms[static_cast<std::size_t>(j)] - 2.0f * dr[j]; };
      std::iota(order.begin(), order.end(), 0);
      std::swap(order[static_cast<std::size_t>(i)], order.back());  // leave i out
      std::partial_sort(order.begin(), order.begin() + k, order.end() - 1, [&](std::int64_t a, std::int64_t c) {
        const float da = approx(a), dc = approx(c);
        return da != dc ? da < dc : a < c;
      });
      for (std::int64_t t = 0; t < k; ++t) {
        const std::int64_t j = order[static_cast<std::size_t>(t)];
        double s = 0;
        for (std::int64_t c = 0; c < d; ++c) {
          const double diff = static_cast<double>(x[i * d + c]) - x[j * d + c];
          s += diff * diff;
        }
        nbr[static_cast<std::size_t>(i * k + t)] = j;
        sqdist[static_cast<std::size_t>(i * k + t)] = s;
      }
      // Exact distances can reorder near-ties; keep nearest first.
      std::vector<std::pair<double, std::int64_t>> row;
      for (std::int64_t t = 0; t < k; ++t)
        row.emplace_back(sqdist[static_cast<std::size_t>(i * k + t)], nbr[static_cast<std::size_t>(i * k + t)]);
      std::sort(row.begin(), row.end());
      for (std::int64_t t = 0; t < k; ++t) {
        sqdist[static_cast<std::size_t>(i * k + t)] = row[static_cast<std::size_t>(t)].first;
        nbr[static_cast<std::size_t>(i * k + t)] = row[static_cast<std::size_t>(t)].second;
      }
    }
  }
}

// scikit-learn's _binary_search_perplexity for one point: p (k) from its
// squared distances (float32, as scikit-learn hands them over).
void conditional_p(const double* sqdist, std::int64_t k, double perplexity, double* p) {
  const double desired = std::log(perplexity);
  double beta = 1.0, beta_min = -std::numeric_limits<double>::infinity(),
         beta_max = std::numeric_limits<double>::infinity();
  for (int step = 0; step < 100; ++step) {
    double sum = 0;
    for (std::int64_t j = 0; j < k; ++j) {
      p[j] = std::exp(-static_cast<double>(static_cast<float>(sqdist[j])) * beta);
      sum += p[j];
    }
    if (sum == 0) sum = 1e-8;
    double sum_dp = 0;
    for (std::int64_t j = 0; j < k; ++j) {
      p[j] /= sum;
      sum_dp += static_cast<double>(static_cast<float>(sqdist[j])) * p[j];
    }
    const double entropy = std::log(sum) + beta * sum_dp;
    const double diff = entropy - desired;
    if (std::abs(diff) <= 1e-5) break;
    if (diff > 0) {
      beta_min = beta;
      beta = std::isinf(beta_max) ? beta * 2 : (beta + beta_max) / 2;
    } else {
      beta_max = beta;
      beta = std::isinf(beta_min) ? beta / 2 : (beta + beta_min) / 2;
    }
  }
}

// Symmetric P in CSR (row i's entries: cols[ptr[i]..ptr[i+1]), vals).
struct SparseP {
  std::vector<std::int64_t> ptr, cols;
  std::vector<double> vals;
};

SparseP joint_probabilities(const float* x, std::int64_t n, std::int64_t d, double perplexity) {
  EMBED_CHECK(perplexity > 0 && std::isfinite(perplexity), "perplexity must be positive, got {}", perplexity);
  const std::int64_t k = std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(3.0 * perplexity + 1));
  std::vector<std::int64_t> nbr;
  std::vector<double> sq;
  nearest_neighbours(x, n, d, k, nbr, sq);
  std::vector<double> cond(static_cast<std::size_t>(n * k));
  for (std::int64_t i = 0; i < n; ++i) conditional_p(sq.data() + i * k, k, perplexity, cond.data() + i * k);
  // P + P^T, then normalised to sum 1.
  std::vector<std::vector<std::pair<std::int64_t, double>>> rows(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t t = 0; t < k; ++t) {
      const std::int64_t j = nbr[static_cast<std::size_t>(i * k + t)];
      const double v = cond[static_cast<std::size_t>(i * k + t)];
      rows[static_cast<std::size_t>(i)].emplace_back(j, v);
      rows[static_cast<std::size_t>(j)].emplace_back(i, v);
    }
  SparseP p;
  p.ptr.push_back(0);
  double total = 0;
  for (auto& row : rows) {
    std::sort(row.begin(), row.end());
    for (std::size_t a = 0; a < row.size();) {
      std::size_t b = a;
      double v = 0;
      for (; b < row.size() && row[b].first == row[a].first; ++b) v += row[b].second;
      p.cols.push_back(row[a].first);
      p.vals.push_back(v);
      total += v;
      a = b;
    }
    p.ptr.push_back(static_cast<std::int64_t>(p.cols.size()));
  }
  total = std::max(total, std::numeric_limits<double>::epsilon());
  for (double& v : p.vals) v /= total;
  return p;
}

}  // namespace

PcaResult pca(const float* x, std::int64_t n, std::int64_t d, std::int64_t k) {
  check_input(x, n, d, 2, "PCA");
  EMBED_CHECK(k >= 1 && k <= d, "PCA to {} components of {}-dimensional vectors", k, d);
  std::vector<double> mean(static_cast<std::size_t>(d), 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t c = 0; c < d; ++c) mean[static_cast<std::size_t>(c)] += x[i * d + c];
  for (double& m : mean) m /= static_cast<double>(n);
  std::vector<float> centred(static_cast<std::size_t>(n * d));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t c = 0; c < d; ++c)
      centred[static_cast<std::size_t>(i * d + c)] =
          static_cast<float>(x[i * d + c] - mean[static_cast<std::size_t>(c)]);
  std::vector<double> cov(static_cast<std::size_t>(d * d)), eig(static_cast<std::size_t>(d));
  gram_matrix(centred.data(), n, d, cov.data());
  symmetric_eigen(cov.data(), d, eig.data());
  double total = 0;
  for (double e : eig) total += std::max(0.0, e);
  PcaResult r;
  r.coords.assign(static_cast<std::size_t>(n * k), 0.0f);
  for (std::int64_t comp = 0; comp < k; ++comp) {
    const std::int64_t col = d - 1 - comp;  // eigenvalues ascend
    const double e = std::max(0.0, eig[static_cast<std::size_t>(col)]);
    r.explained_variance.push_back(e / static_cast<double>(n - 1));
    r.explained_variance_ratio.push_back(total > 0 ? e / total : 0.0);
    std::vector<double> y(static_cast<std::size_t>(n));
    std::int64_t largest = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (std::int64_t c = 0; c < d; ++c)
        s += static_cast<double>(centred[static_cast<std::size_t>(i * d + c)]) *
             cov[static_cast<std::size_t>(c * d + col)];
      y[static_cast<std::size_t>(i)] = s;
      if (std::abs(s) > std::abs(y[static_cast<std::size_t>(largest)])) largest = i;
    }
    const double sign = y[static_cast<std::size_t>(largest)] < 0 ? -1.0 : 1.0;  // svd_flip, u-based
    for (std::int64_t i = 0; i < n; ++i)
      r.coords[static_cast<std::size_t>(i * k + comp)] = static_cast<float>(sign * y[static_cast<std::size_t>(i)]);
  }
  return r;
}

std::vector<double> tsne_affinities(const float* x, std::int64_t n, std::int64_t d, double perplexity) {
  check_input(x, n, d, 2, "t-SNE");
  const SparseP p = joint_probabilities(x, n, d, perplexity);
  std::vector<double> dense(static_cast<std::size_t>(n * n), 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t t = p.ptr[static_cast<std::size_t>(i)]; t < p.ptr[static_cast<std::size_t>(i + 1)]; ++t)
      dense[static_cast<std::size_t>(i * n + p.cols[static_cast<std::size_t>(t)])] =
          p.vals[static_cast<std::size_t>(t)];
  return dense;
}

TsneResult tsne(const float* x, std::int64_t n, std::int64_t d, const TsneOptions& o) {
  check_input(x, n, d, 3, "t-SNE");
  EMBED_CHECK(o.iterations >= 1 && o.early_exaggeration > 0, "t-SNE needs iterations >= 1 and exaggeration > 0");
  const SparseP p = joint_probabilities(x, n, d, o.perplexity);
  const double lr =
      o.learning_rate > 0 ? o.learning_rate : std::max(static_cast<double>(n) / o.early_exaggeration / 4.0, 50.0);

  // Initialisation: PCA, scaled so the first coordinate has std 1e-4.
  std::vector<double> y(static_cast<std::size_t>(2 * n));
  {
    const PcaResult init = pca(x, n, d, std::min<std::int64_t>(2, d));
    const std::int64_t k = std::min<std::int64_t>(2, d);
    double mean = 0, var = 0;
    for (std::int64_t i = 0; i < n; ++i) mean += init.coords[static_cast<std::size_t>(i * k)];
    mean /= static_cast<double>(n);
    for (std::int64_t i = 0; i < n; ++i) {
      const double c = init.coords[static_cast<std::size_t>(i * k)] - mean;
      var += c * c;
    }
    const double scale = var > 0 ? 1e-4 / std::sqrt(var / static_cast<double>(n)) : 1.0;
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t c = 0; c < 2; ++c)
        y[static_cast<std::size_t>(2 * i + c)] = c < k ? init.coords[static_cast<std::size_t>(i * k + c)] * scale : 0.0;
  }
  std::vector<double> update(y.size(), 0.0), gains(y.size(), 1.0), attract(y.size()), repel(y.size());
  std::vector<double> z_row(static_cast<std::size_t>(n));
  // One pass over all pairs per point: the repulsion sum_j w_ij^2 (y_i - y_j)
  // and sum_j w_ij (for Z), and the attraction sum_j p_ij w_ij (y_i - y_j)
  // over P's entries; w_ij = 1 / (1 + |y_i - y_j|^2).
  auto forces = [&] {
    parallel_for(n, n * 8, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        const double yi0 = y[static_cast<std::size_t>(2 * i)], yi1 = y[static_cast<std::size_t>(2 * i + 1)];
        double z = 0, r0 = 0, r1 = 0;
        for (std::int64_t j = 0; j < n; ++j) {
          const double d0 = yi0 - y[static_cast<std::size_t>(2 * j)];
          const double d1 = yi1 - y[static_cast<std::size_t>(2 * j + 1)];
          const double w = 1.0 / (1.0 + d0 * d0 + d1 * d1);
          z += w;
          r0 += w * w * d0;
          r1 += w * w * d1;
        }
        z_row[static_cast<std::size_t>(i)] = z - 1.0;  // j = i contributed w = 1
        double a0 = 0, a1 = 0;
        for (std::int64_t t = p.ptr[static_cast<std::size_t>(i)]; t < p.ptr[static_cast<std::size_t>(i + 1)]; ++t) {
          const std::int64_t j = p.cols[static_cast<std::size_t>(t)];
          const double d0 = yi0 - y[static_cast<std::size_t>(2 * j)];
          const double d1 = yi1 - y[static_cast<std::size_t>(2 * j + 1)];
          const double pw = p.vals[static_cast<std::size_t>(t)] / (1.0 + d0 * d0 + d1 * d1);
          a0 += pw * d0;
          a1 += pw * d1;
        }
        attract[static_cast<std::size_t>(2 * i)] = a0;
        attract[static_cast<std::size_t>(2 * i + 1)] = a1;
        repel[static_cast<std::size_t>(2 * i)] = r0;
        repel[static_cast<std::size_t>(2 * i + 1)] = r1;
      }
    });
    double z = 0;
    for (double v : z_row) z += v;
    return z;
  };
  Progress bar("t-SNE", o.iterations, "it", Progress::Options{.enabled = o.progress});
  for (std::int64_t it = 0; it < o.iterations; ++it) {
    check_interrupted("t-SNE");
    const bool exploring = it < o.exaggeration_iterations;
    const double exaggeration = exploring ? o.early_exaggeration : 1.0;
    const double momentum = exploring ? 0.5 : 0.8;
    const double z = forces();
    double grad_norm = 0;
    for (std::size_t c = 0; c < y.size(); ++c) {
      // dC/dy_i = 4 sum_j (p_ij - q_ij) w_ij (y_i - y_j), q_ij = w_ij / Z
      double g = 4.0 * (exaggeration * attract[c] - repel[c] / z);
      grad_norm += g * g;
      // Delta-bar-delta gains, then momentum (scikit-learn's _gradient_descent).
      gains[c] = update[c] * g < 0.0 ? gains[c] + 0.2 : std::max(gains[c] * 0.8, 0.01);
      g *= gains[c];
      update[c] = momentum * update[c] - lr * g;
      y[c] += update[c];
    }
    bar.advance();
    if (std::sqrt(grad_norm) <= 1e-7) break;  // scikit-learn's min_grad_norm
  }
  bar.finish();

  TsneResult r;
  const double z = forces();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t t = p.ptr[static_cast<std::size_t>(i)]; t < p.ptr[static_cast<std::size_t>(i + 1)]; ++t) {
      const std::int64_t j = p.cols[static_cast<std::size_t>(t)];
      const double d0 = y[static_cast<std::size_t>(2 * i)] - y[static_cast<std::size_t>(2 * j)];
      const double d1 = y[static_cast<std::size_t>(2 * i + 1)] - y[static_cast<std::size_t>(2 * j + 1)];
      const double q = 1.0 / (1.0 + d0 * d0 + d1 * d1) / z;
      const double pij = p.vals[static_cast<std::size_t>(t)];
      if (pij > 0) r.kl_divergence += pij * std::log(pij / std::max(q, std::numeric_limits<double>::min()));
    }
  r.coords.assign(y.begin(), y.end());
  return r;
}

}  // namespace embed::eval
