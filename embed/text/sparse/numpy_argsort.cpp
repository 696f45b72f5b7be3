#include "embed/text/sparse/numpy_argsort.h"

#include <numeric>
#include <tuple>
#include <utility>

namespace embed::text {

namespace {

using Index = std::int64_t;

// Heapsort of the index range [a, a + n), 1-based inside as in the classic formulation.
void heap_argsort(const double* v, Index* first, Index n) {
  Index* a = first - 1;
  auto sift = [&](Index i, Index len, Index moving) {
    for (Index j = i * 2; j <= len;) {
      if (j < len && v[a[j]] < v[a[j + 1]]) ++j;
      if (!(v[moving] < v[a[j]])) break;
      a[i] = a[j];
      i = j;
      j += j;
    }
    a[i] = moving;
  };
  for (Index l = n >> 1; l > 0; --l) sift(l, n, a[l]);
  for (; n > 1;) {
    const Index moving = a[n];
    a[n] = a[1];
    --n;
    sift(1, n, moving);
  }
}

int floor_log2(std::uint64_t n) {
  int k = 0;
  while (n >>= 1) ++k;
  return k;
}

}  // namespace

std::vector<std::int64_t> numpy_argsort(const std::vector<double>& values) {
  const Index num = static_cast<Index>(values.size());
  std::vector<Index> order(values.size());
  std::iota(order.begin(), order.end(), Index{0});
  if (num < 2) return order;
  const double* v = values.data();
  constexpr Index kSmall = 15;  // numpy's SMALL_QUICKSORT: parts of at most 16 elements are insertion-sorted
  Index* pl = order.data();
  Index* pr = pl + num - 1;
  std::vector<std::pair<Index*, Index*>> stack;
  std::vector<int> depths;
  int depth = floor_log2(static_cast<std::uint64_t>(num)) * 2;
  for (;;) {
    if (depth < 0) {
      heap_argsort(v, pl, pr - pl + 1);
    } else {
      while (pr - pl > kSmall) {
        Index* pm = pl + ((pr - pl) >> 1);
        if (v[*pm] < v[*pl]) std::swap(*pm, *pl);
        if (v[*pr] < v[*pm]) std::swap(*pr, *pm);
        if (v[*pm] < v[*pl]) std::swap(*pm, *pl);
        const double pivot = v[*pm];
        Index* pi = pl;
        Index* pj = pr - 1;
        std::swap(*pm, *pj);
        for (;;) {
          do ++pi;
          while (v[*pi] < pivot);
          do --pj;
          while (pivot < v[*pj]);
          if (pi >= pj) break;
          std::swap(*pi, *pj);
        }
        std::swap(*pi, *(pr - 1));
        // Defer the larger part; go on with the smaller.
        if (pi - pl < pr - pi) {
          stack.emplace_back(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.emplace_back(pl, pi - 1);
          pl = pi + 1;
        }
        depths.push_back(--depth);
      }
      for (Index* pi = pl + 1; pi <= pr; ++pi) {  // insertion sort of the small part
        const Index vi = *pi;
        const double vp = v[vi];
        Index* pj = pi;
        for (; pj > pl && vp < v[*(pj - 1)]; --pj) *pj = *(pj - 1);
        *pj = vi;
      }
    }
    if (stack.empty()) break;
    std::tie(pl, pr) = stack.back();
    stack.pop_back();
    depth = depths.back();
    depths.pop_back();
  }
  return order;
}

}  // namespace embed::text
