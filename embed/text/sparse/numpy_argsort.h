// numpy.argsort's default (kind="quicksort") order, reproduced exactly,
// ties included. scikit-learn picks `max_features` terms with
// `(-counts).argsort()[:limit]`, and numpy's introsort is not stable: which
// of several equally frequent terms survive the cut depends on its pivot
// choices. To give the same vocabulary as scikit-learn, we sort the same way:
// median-of-three quicksort with the larger part deferred on a stack,
// insertion sort below 17 elements, and heapsort once the depth exceeds
// 2*floor(log2 n) (numpy/core/src/npysort/quicksort.cpp, heapsort.cpp, 1.24).
#pragma once

#include <cstdint>
#include <vector>

namespace embed::text {

std::vector<std::int64_t> numpy_argsort(const std::vector<double>& values);

}  // namespace embed::text
