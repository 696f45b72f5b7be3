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
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

namespace embed {

// Buffers at least this large ask for huge pages.
inline constexpr std::size_t kHugePageMinBytes = std::size_t{4} << 20;
// A huge page (x86-64 and arm64 with 4 KiB base pages).
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

// Advises the kernel to back the whole 2 MiB pages inside [p, p + bytes) with
// huge pages. Call before the memory is first written. A hint: never fails.
void advise_huge_pages(void* p, std::size_t bytes);

// Memory for large working buffers (BigVector below). Blocks from 1 MiB up
// are whole, aligned huge pages advised as such, recycled through
// huge_page_buffer_cache(): madvise on a malloc'd vector leaves up to 2 MiB
// at each end in 4 KiB pages (the block starts mid-page), and a buffer freed
// and allocated again by the next call is faulted in again.
void* allocate_big(std::size_t bytes);
void deallocate_big(void* p, std::size_t bytes) noexcept;

template <typename T>
struct BigAllocator {
  using value_type = T;
  BigAllocator() = default;
  template <typename U>
  BigAllocator(const BigAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(allocate_big(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { deallocate_big(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const BigAllocator<U>&) const noexcept {
    return true;
  }
};

template <typename T>
using BigVector = std::vector<T, BigAllocator<T>>;

// Gives `v` room for `capacity` elements in fresh memory advised as above
// (when large), keeping its contents; a no-op when it already has the room.
template <typename T, typename A>
void reserve_with_huge_pages(std::vector<T, A>& v, std::size_t capacity) {
  if (capacity <= v.capacity()) return;
  std::vector<T, A> fresh;
  fresh.reserve(capacity);
  if (std::is_same_v<A, std::allocator<T>> && capacity * sizeof(T) >= kHugePageMinBytes)
    advise_huge_pages(fresh.data(), capacity * sizeof(T));
  fresh.insert(fresh.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
  v.swap(fresh);
}

// v.resize(n), with fresh memory advised for huge pages when it must grow.
template <typename T, typename A>
void resize_with_huge_pages(std::vector<T, A>& v, std::size_t n) {
  reserve_with_huge_pages(v, n);
  v.resize(n);
}

// Grows `v` geometrically (like push_back) so that `extra` more elements fit.
template <typename T, typename A>
void make_room_with_huge_pages(std::vector<T, A>& v, std::size_t extra) {
  if (v.size() + extra > v.capacity()) reserve_with_huge_pages(v, std::max(2 * v.capacity(), v.size() + extra));
}

}  // namespace embed
