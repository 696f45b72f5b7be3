#include "embed/search/kmeans.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "embed/core/blas.h"
#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/core/rng.h"

namespace embed::search {

std::vector<std::int32_t> nearest_centroid(const float* x, std::int64_t n, const float* c, std::int64_t k,
                                           std::int64_t d) {
  std::vector<float> half_norm(static_cast<std::size_t>(k));
  for (std::int64_t j = 0; j < k; ++j) {
    double s = 0;
    for (std::int64_t t = 0; t < d; ++t) s += static_cast<double>(c[j * d + t]) * c[j * d + t];
    half_norm[static_cast<std::size_t>(j)] = static_cast<float>(s / 2);
  }
  std::vector<std::int32_t> out(static_cast<std::size_t>(n));
  // One parallel region: each thread scores its own rows block by block
  // (BLAS runs single-threaded inside it), so no team is started per block.
  constexpr std::int64_t kBlock = 256;
  parallel_for(n, k * d, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> scores(static_cast<std::size_t>(std::min(end - begin, kBlock) * k));
    for (std::int64_t b = begin; b < end; b += kBlock) {
      const std::int64_t rows = std::min(kBlock, end - b);
      gemm(false, true, rows, k, d, 1.0f, x + b * d, d, c, d, 0.0f, scores.data(), k);
      for (std::int64_t i = 0; i < rows; ++i) {
        const float* s = scores.data() + i * k;
        std::int64_t best = 0;
        float best_score = -std::numeric_limits<float>::infinity();
        for (std::int64_t j = 0; j < k; ++j) {
          const float v = s[j] - half_norm[static_cast<std::size_t>(j)];
          if (v > best_score) best_score = v, best = j;
        }
        out[static_cast<std::size_t>(b + i)] = static_cast<std::int32_t>(best);
      }
    }
  });
  return out;
}

std::vector<float> kmeans(const float* x, std::int64_t n, std::int64_t d, std::int64_t k, int iterations,
                          std::uint64_t seed) {
  EMBED_CHECK(k >= 1 && n >= k && d >= 1, "k-means of {} points into {} clusters", n, k);
  // k distinct starting points: a seeded partial Fisher-Yates shuffle.
  Generator g(seed);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (std::int64_t i = 0; i < k; ++i) {
    const std::int64_t j = i + static_cast<std::int64_t>(g.next_u64() % static_cast<std::uint64_t>(n - i));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  std::vector<float> c(static_cast<std::size_t>(k * d));
  for (std::int64_t j = 0; j < k; ++j)
    std::copy(x + order[static_cast<std::size_t>(j)] * d, x + (order[static_cast<std::size_t>(j)] + 1) * d,
              c.begin() + j * d);
  std::vector<double> sum(static_cast<std::size_t>(k * d));
  std::vector<std::int64_t> count(static_cast<std::size_t>(k));
  for (int it = 0; it < iterations; ++it) {
    const std::vector<std::int32_t> a = nearest_centroid(x, n, c.data(), k, d);
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t j = a[static_cast<std::size_t>(i)];
      ++count[static_cast<std::size_t>(j)];
      for (std::int64_t t = 0; t < d; ++t) sum[static_cast<std::size_t>(j * d + t)] += x[i * d + t];
    }
    for (std::int64_t j = 0; j < k; ++j) {
      if (count[static_cast<std::size_t>(j)] == 0) continue;
      for (std::int64_t t = 0; t < d; ++t)
        c[static_cast<std::size_t>(j * d + t)] = static_cast<float>(
            sum[static_cast<std::size_t>(j * d + t)] / static_cast<double>(count[static_cast<std::size_t>(j)]));
    }
    for (std::int64_t j = 0; j < k; ++j) {
      if (count[static_cast<std::size_t>(j)] != 0) continue;
      const std::int64_t big = std::max_element(count.begin(), count.end()) - count.begin();
      for (std::int64_t t = 0; t < d; ++t) {
        const float v = c[static_cast<std::size_t>(big * d + t)];
        const float eps = (t % 2 ? 1.0f : -1.0f) * (std::abs(v) + 1e-6f) / 1024.0f;
        c[static_cast<std::size_t>(j * d + t)] = v + eps;
        c[static_cast<std::size_t>(big * d + t)] = v - eps;
      }
      count[static_cast<std::size_t>(j)] = count[static_cast<std::size_t>(big)] / 2;
      count[static_cast<std::size_t>(big)] -= count[static_cast<std::size_t>(j)];
    }
  }
  return c;
}

}  // namespace embed::search
