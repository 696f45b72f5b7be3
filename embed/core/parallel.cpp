#include "embed/core/parallel.h"

#include <cblas.h>

#include "embed/core/error.h"

namespace embed {

namespace {
int g_threads = 0;  // 0: not set yet, use OpenMP's default
}

void set_num_threads(int n) {
  EMBED_CHECK(n >= 1, "thread count must be at least 1, got {}", n);
  g_threads = n;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int num_threads() { return g_threads > 0 ? g_threads : omp_get_max_threads(); }

}  // namespace embed
