#include "embed/core/huge_pages.h"

#include <cstdint>
#include <new>

#include "embed/core/buffer_cache.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace embed {

void advise_huge_pages(void* p, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1), last = (begin + bytes) & ~(kHuge - 1);
  // Refused advice (THP off, old kernel) just leaves ordinary pages.
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

namespace {
constexpr std::size_t kBigMinBytes = std::size_t{1} << 20;  // below, malloc is cheap enough
std::size_t whole_huge_pages(std::size_t bytes) {
  return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}
}  // namespace

void* allocate_big(std::size_t bytes) {
  if (bytes < kBigMinBytes) return ::operator new(bytes);
  return huge_page_buffer_cache().allocate(whole_huge_pages(bytes));
}

void deallocate_big(void* p, std::size_t bytes) noexcept {
  if (bytes < kBigMinBytes)
    ::operator delete(p);
  else
    huge_page_buffer_cache().deallocate(p, whole_huge_pages(bytes));
}

}  // namespace embed
