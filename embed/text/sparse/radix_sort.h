// Sorting a row's entries by column: rows hold tens to thousands of
// entries whose keys are small integers (< 2^bits, bits = log2 of the
// vocabulary), so a least-significant-digit radix sort with 1-3 passes of at
// most 11 bits beats a comparison sort (O(n) against O(n log n)); short rows
// keep std::sort, which wins there (keys are distinct: a row holds a column once).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace embed::text {

// The number of bits needed for keys in [0, count).
inline int key_bits(std::int64_t count) {
  int bits = 1;
  while (bits < 62 && (std::int64_t{1} << bits) < count) ++bits;
  return bits;
}

// Sorts first[0, n) by key(x), every key in [0, 2^bits) (bits <= 64). With
// distinct keys the order is unique; with repeated keys it is stable only
// from 64 elements up (below, std::sort).
// `scratch` is reused between calls.
template <typename T, typename Key, typename Scratch>  // Scratch: a std::vector<T> with any allocator
void sort_by_small_key(T* first, std::size_t n, int bits, Key key, Scratch& scratch) {
  constexpr std::size_t kComparisonSortBelow = 64;
  if (n < kComparisonSortBelow) {
    std::sort(first, first + n, [&](const T& a, const T& b) { return key(a) < key(b); });
    return;
  }
  const int passes = (bits + 10) / 11, digit = (bits + passes - 1) / passes;
  const std::uint64_t mask = (std::uint64_t{1} << digit) - 1;
  scratch.resize(n);
  T* from = first;
  T* to = scratch.data();
  std::array<std::size_t, 2048> at;
  for (int p = 0; p < passes; ++p) {
    const int shift = p * digit;
    std::fill(at.begin(), at.begin() + static_cast<std::ptrdiff_t>(mask + 1), 0);
    for (std::size_t i = 0; i < n; ++i) ++at[(static_cast<std::uint64_t>(key(from[i])) >> shift) & mask];
    std::size_t sum = 0;
    for (std::size_t d = 0; d <= mask; ++d) sum += std::exchange(at[d], sum);
    for (std::size_t i = 0; i < n; ++i) to[at[(static_cast<std::uint64_t>(key(from[i])) >> shift) & mask]++] = from[i];
    std::swap(from, to);
  }
  if (from != first) std::copy(from, from + n, first);
}

}  // namespace embed::text
