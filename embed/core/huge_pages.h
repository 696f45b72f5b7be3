// Transparent huge pages for large, freshly allocated buffers.
//
// Touching fresh memory costs one page fault per 4 KiB page. On virtual
// machines a fault is expensive (about 17 us here, so 100 MB of new output
// takes 0.4 s just to fault in); backed by 2 MiB pages the same buffer faults
// 50 times instead of 25,000 (0.016 s). Linux gives such pages to a region
// only on request when THP is in "madvise" mode, the common default, so large
// buffers ask for them with madvise(MADV_HUGEPAGE). Elsewhere this does nothing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

namespace embed {

// Buffers at least this large ask for huge pages.
inline constexpr std::size_t kHugePageMinBytes = std::size_t{4} << 20;

// Advises the kernel to back the whole 2 MiB pages inside [p, p + bytes) with
// huge pages. Call before the memory is first written. A hint: never fails.
void advise_huge_pages(void* p, std::size_t bytes);

// Gives `v` room for `capacity` elements in fresh memory advised as above
// (when large), keeping its contents; a no-op when it already has the room.
template <typename T>
void reserve_with_huge_pages(std::vector<T>& v, std::size_t capacity) {
  if (capacity <= v.capacity()) return;
  std::vector<T> fresh;
  fresh.reserve(capacity);
  if (capacity * sizeof(T) >= kHugePageMinBytes) advise_huge_pages(fresh.data(), capacity * sizeof(T));
  fresh.insert(fresh.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
  v.swap(fresh);
}

// v.resize(n), with fresh memory advised for huge pages when it must grow.
template <typename T>
void resize_with_huge_pages(std::vector<T>& v, std::size_t n) {
  reserve_with_huge_pages(v, n);
  v.resize(n);
}

// Grows `v` geometrically (like push_back) so that `extra` more elements fit.
template <typename T>
void make_room_with_huge_pages(std::vector<T>& v, std::size_t extra) {
  if (v.size() + extra > v.capacity()) reserve_with_huge_pages(v, std::max(2 * v.capacity(), v.size() + extra));
}

}  // namespace embed
