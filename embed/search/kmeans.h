// Lloyd's k-means for the IVF-PQ index's coarse quantiser and codebooks.
// Initial centroids are k distinct points drawn with the seed; each
// iteration assigns every point to its nearest centroid (one GEMM per block:
// argmax of x.c - |c|^2/2) and moves each centroid to its points' mean; an
// emptied centroid takes over half of the largest cluster (FAISS's fix:
// a copy of that centroid, both nudged apart by a relative 1/1024).
#pragma once

#include <cstdint>
#include <vector>

namespace embed::search {

// n x d points -> k x d centroids (n >= k >= 1).
std::vector<float> kmeans(const float* x, std::int64_t n, std::int64_t d, std::int64_t k, int iterations,
                          std::uint64_t seed);
// The nearest centroid (squared L2) of each of n points.
std::vector<std::int32_t> nearest_centroid(const float* x, std::int64_t n, const float* centroids, std::int64_t k,
                                           std::int64_t d);

}  // namespace embed::search
