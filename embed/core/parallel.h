// One threading contract: set_num_threads drives both our OpenMP loops and
// OpenBLAS. Kernels split rows over the threads with parallel_for; small
// work stays on the calling thread.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace embed {

void set_num_threads(int n);
int num_threads();

// Calls f(begin, end) on disjoint chunks of [0, n). Runs in parallel only when
// n * cost_per_item exceeds a threshold (about 32k cheap operations), so tiny
// tensors do not pay for a thread team, and never nests inside another team.
// Chunks are static and depend only on n and the thread count, so results are
// deterministic for a given thread count. f must not throw.
template <typename F>
void parallel_for(std::int64_t n, std::int64_t cost_per_item, F&& f) {
  if (n <= 0) return;
  constexpr std::int64_t kMinWork = 32768;
  const int threads = static_cast<int>(std::min<std::int64_t>(num_threads(), n));
  if (threads <= 1 || n * cost_per_item < kMinWork || omp_in_parallel()) {
    f(std::int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const std::int64_t t = omp_get_thread_num();
    const std::int64_t begin = n * t / threads;
    const std::int64_t end = n * (t + 1) / threads;
    if (begin < end) f(begin, end);
  }
}

}  // namespace embed
