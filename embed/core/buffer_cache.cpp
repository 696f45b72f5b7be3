#include "embed/core/buffer_cache.h"

#include <cstdlib>
#include <iterator>
#include <new>
#include <utility>

#include "embed/core/huge_pages.h"

namespace embed {

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheBuffers = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kCacheBuffers = false;
#else
constexpr bool kCacheBuffers = true;
#endif
#else
constexpr bool kCacheBuffers = true;
#endif

}  // namespace

void* BufferCache::allocate(std::size_t bytes) {
  if (kCacheBuffers) {
    std::lock_guard<std::mutex> lock(mutex_);
    // The block given back last (multimap keeps equal keys in insertion
    // order): its lines are the likeliest still in cache, as with malloc's
    // LIFO reuse; the oldest would make every write miss.
    auto it = free_.upper_bound(bytes);
    if (it != free_.begin() && std::prev(it)->first == bytes) {
      --it;
      void* p = it->second;
      free_.erase(it);
      held_ -= bytes;
      return p;
    }
  }
  void* p = std::aligned_alloc(alignment_, bytes);
  if (p == nullptr) throw std::bad_alloc();
  // Whole huge pages lie inside a block from 4 MiB up, or from 2 MiB when blocks are huge-page aligned.
  if (bytes >= kHugePageMinBytes || (alignment_ >= kHugePageBytes && bytes >= kHugePageBytes))
    advise_huge_pages(p, bytes);
  return p;
}

void BufferCache::deallocate(void* p, std::size_t bytes) noexcept {
  if (kCacheBuffers) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (held_ + bytes <= kCapacity) {
      free_.emplace(bytes, p);
      held_ += bytes;
      return;
    }
  }
  std::free(p);
}

std::size_t BufferCache::release() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [bytes, p] : free_) std::free(p);
  free_.clear();
  return std::exchange(held_, 0);
}

// Never destroyed: buffers held by thread-local or static objects may be
// given back during exit, after a static cache would have been destroyed.
BufferCache& tensor_buffer_cache() {
  static BufferCache* cache = new BufferCache(64);
  return *cache;
}

BufferCache& huge_page_buffer_cache() {
  static BufferCache* cache = new BufferCache(kHugePageBytes);
  return *cache;
}

std::size_t release_cached_buffers() { return tensor_buffer_cache().release() + huge_page_buffer_cache().release(); }

}  // namespace embed
