#include "embed/core/storage.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <utility>

#include "embed/core/error.h"
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

constexpr std::size_t kAlign = 64;                  // a cache line; AVX-512 loads stay aligned
constexpr std::size_t kMinCached = 1 << 20;         // smaller blocks are cheap for malloc
constexpr std::size_t kCacheCapacity = 1ull << 29;  // 512 MiB held at most

// Freed large blocks by exact (rounded) size. Thread-safe.
class BufferCache {
 public:
  void* take(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    // The block given back last (multimap keeps equal keys in insertion
    // order): its lines are the likeliest still in cache, as with malloc's
    // LIFO reuse; the oldest would make every write miss.
    auto it = free_.upper_bound(bytes);
    if (it == free_.begin() || std::prev(it)->first != bytes) return nullptr;
    --it;
    void* p = it->second;
    free_.erase(it);
    held_ -= bytes;
    return p;
  }
  void give(void* p, std::size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (held_ + bytes <= kCacheCapacity) {
        free_.emplace(bytes, p);
        held_ += bytes;
        return;
      }
    }
    std::free(p);
  }
  std::size_t release() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [bytes, p] : free_) std::free(p);
    free_.clear();
    return std::exchange(held_, 0);
  }
  ~BufferCache() { release(); }

 private:
  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;
  std::size_t held_ = 0;
};

BufferCache& buffer_cache() {
  static BufferCache cache;
  return cache;
}

}  // namespace

std::size_t release_cached_buffers() { return buffer_cache().release(); }

std::shared_ptr<Storage> Storage::allocate(std::size_t nbytes, bool zero_fill) {
  const std::size_t rounded = (std::max<std::size_t>(nbytes, 1) + kAlign - 1) / kAlign * kAlign;
  const bool cached = kCacheBuffers && rounded >= kMinCached;
  void* p = cached ? buffer_cache().take(rounded) : nullptr;
  if (p == nullptr) {
    p = std::aligned_alloc(kAlign, rounded);
    if (p == nullptr) throw std::bad_alloc();
    if (rounded >= kHugePageMinBytes) advise_huge_pages(p, rounded);
  }
  if (zero_fill) std::memset(p, 0, rounded);
  std::shared_ptr<void> owner(p, [rounded, cached](void* q) {
    if (cached)
      buffer_cache().give(q, rounded);
    else
      std::free(q);
  });
  return std::shared_ptr<Storage>(new Storage(p, nbytes, std::move(owner)));
}

std::shared_ptr<Storage> Storage::borrow(void* data, std::size_t nbytes, std::shared_ptr<void> owner) {
  return std::shared_ptr<Storage>(new Storage(data, nbytes, std::move(owner)));
}

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw IoError(fmt::format("cannot stat '{}': {}", path, std::strerror(err)));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* data = nullptr;
  if (size > 0) {
    // Private and writable: tensors on the map are copy-on-write, never the file.
    data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw IoError(fmt::format("cannot mmap '{}': {}", path, std::strerror(err)));
    }
  }
  ::close(fd);  // the mapping stays valid without the descriptor
  return std::shared_ptr<MappedFile>(new MappedFile(data, size, path));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace embed
