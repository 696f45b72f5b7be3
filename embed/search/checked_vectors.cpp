#include "embed/search/checked_vectors.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "embed/core/error.h"

namespace embed::search {

float squared_norm(const float* x, std::int64_t d) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (std::int64_t k = 0; k < d; ++k) s += x[k] * x[k];
  return s;
}

// Copies n x d vectors, checking that they are finite and, for cosine, not
// zero, and normalising them under cosine.
std::vector<float> checked_copy(const float* x, std::int64_t n, std::int64_t d, Metric metric, const char* what) {
  std::vector<float> out(x, x + n * d);
  for (std::int64_t i = 0; i < n; ++i) {
    float* v = out.data() + i * d;
    for (std::int64_t k = 0; k < d; ++k)
      EMBED_CHECK(std::isfinite(v[k]), "{} {} has a NaN or infinity at position {}", what, i, k);
    if (metric != Metric::cosine) continue;
    const float norm = std::sqrt(squared_norm(v, d));
    EMBED_CHECK(norm > 0, "{} {} is all zeros: its cosine to anything is undefined", what, i);
    for (std::int64_t k = 0; k < d; ++k) v[k] /= norm;
  }
  return out;
}

std::vector<std::int64_t> checked_ids(const std::int64_t* ids, std::int64_t n, std::int64_t next_id,
                                      const std::function<bool(std::int64_t)>& present) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  if (!ids) {
    EMBED_CHECK(next_id <= std::numeric_limits<std::int64_t>::max() - n, "out of ids");
    for (std::int64_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = next_id + i;
    return out;
  }
  std::copy(ids, ids + n, out.begin());
  std::vector<std::int64_t> sorted = out;
  std::sort(sorted.begin(), sorted.end());
  const auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  EMBED_CHECK(dup == sorted.end(), "id {} appears twice in one add", dup == sorted.end() ? 0 : *dup);
  for (std::int64_t id : out) {
    EMBED_CHECK(id >= 0 && id < std::numeric_limits<std::int64_t>::max(),
                "ids must be in [0, 2^63 - 1) (-1 marks a missing result), got {}", id);
    EMBED_CHECK(!present(id), "id {} is already in the index (remove it first to replace it)", id);
  }
  return out;
}

}  // namespace embed::search
