// Large buffers recycled through a bounded cache instead of going back to the
// OS. A fresh multi-megabyte buffer costs a page fault per 4 KiB on first
// touch (about 12-17 us each on the virtual machines we measure on), which
// profiling showed to be a third of the time of an elementwise op on 16 MiB
// and half of a TF-IDF fit. Blocks are kept by exact size, so work that
// repeats with the same shapes gets the same blocks back. Sanitizer builds
// skip the cache so that use-after-free stays detectable.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>

namespace embed {

class BufferCache {
 public:
  // Blocks of `alignment` (a power of two, at least alignof(std::max_align_t)).
  explicit BufferCache(std::size_t alignment) : alignment_(alignment) {}
  ~BufferCache() { release(); }
  BufferCache(const BufferCache&) = delete;
  BufferCache& operator=(const BufferCache&) = delete;

  // A block of `bytes` (a multiple of the alignment): a cached one of that
  // size, the one given back last, else fresh memory, advised for huge pages
  // when large. Throws std::bad_alloc.
  void* allocate(std::size_t bytes);
  // Takes back a block of allocate(bytes): cached while the cache holds at
  // most kCapacity, else freed.
  void deallocate(void* p, std::size_t bytes) noexcept;
  // Frees every cached block; returns the bytes they held.
  std::size_t release();

  static constexpr std::size_t kCapacity = std::size_t{1} << 29;  // 512 MiB held at most, per cache

 private:
  const std::size_t alignment_;
  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;
  std::size_t held_ = 0;
};

// The tensor buffers' cache (64-byte blocks), and the huge-page allocator's
// (2 MiB blocks).
BufferCache& tensor_buffer_cache();
BufferCache& huge_page_buffer_cache();

// Releases both; returns the bytes they held.
std::size_t release_cached_buffers();

}  // namespace embed
