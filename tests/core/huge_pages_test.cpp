// The huge-page helpers move contents into fresh memory and grow like push_back;
// the buffer cache of tensor storage reuses blocks last-freed first.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "embed/core/huge_pages.h"
#include "embed/core/storage.h"

namespace {

TEST(HugePages, ReserveKeepsContentsAndNeverShrinks) {
  std::vector<std::string> v = {"a", "bb", std::string(100, 'c')};
  embed::reserve_with_huge_pages(v, 1 << 20);  // 32 MiB of strings: large enough to be advised
  EXPECT_GE(v.capacity(), std::size_t{1} << 20);
  EXPECT_EQ(v, (std::vector<std::string>{"a", "bb", std::string(100, 'c')}));
  const auto* data = v.data();
  embed::reserve_with_huge_pages(v, 10);
  EXPECT_EQ(v.data(), data);
}

TEST(HugePages, ResizeAndMakeRoom) {
  std::vector<double> v;
  embed::resize_with_huge_pages(v, 3 << 20);
  ASSERT_EQ(v.size(), std::size_t{3} << 20);
  EXPECT_EQ(v.front(), 0.0);
  EXPECT_EQ(v.back(), 0.0);
  std::vector<int> w(5, 7);
  w.shrink_to_fit();
  embed::make_room_with_huge_pages(w, 1);
  EXPECT_GE(w.capacity(), std::size_t{10});  // doubled, as push_back would
  EXPECT_EQ(w, std::vector<int>(5, 7));
  embed::advise_huge_pages(w.data(), 0);  // a hint on nothing: harmless
}

}  // namespace

namespace {

bool sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

TEST(BufferCache, HandsBackTheBlockFreedLast) {
  // Like malloc: the most recently freed block of a size is reused first,
  // its lines being the likeliest still in cache (the oldest was the cause
  // of add/mul running 5-37% behind torch).
  if (sanitized()) GTEST_SKIP() << "no buffer cache under ASan";
  embed::release_cached_buffers();
  constexpr std::size_t kBytes = std::size_t{3} << 20;
  auto a = embed::Storage::allocate(kBytes, false), b = embed::Storage::allocate(kBytes, false);
  void* const first = a->data();
  void* const last = b->data();
  a.reset();  // given back first
  b.reset();  // given back last
  auto c = embed::Storage::allocate(kBytes, false);
  EXPECT_EQ(c->data(), last);
  EXPECT_EQ(embed::Storage::allocate(kBytes, false)->data(), first);  // then the older one
  embed::release_cached_buffers();
}

TEST(BigVector, LargeBlocksAreWholeHugePagesAndComeBackFromTheCache) {
  embed::BigVector<int> small(1000, 7);  // below 1 MiB: plain operator new
  EXPECT_EQ(small[999], 7);
  embed::release_cached_buffers();
  const void* first = nullptr;
  {
    embed::BigVector<double> v(300000, 1.5);  // 2.4 MB: rounded up to two huge pages
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % embed::kHugePageBytes, 0u);
    EXPECT_EQ(v.back(), 1.5);
    first = v.data();
  }
  embed::BigVector<double> again(300000);
  EXPECT_EQ(again.front(), 0.0);  // value-initialised, whatever the block held
  if (!sanitized()) {
    EXPECT_EQ(again.data(), first);  // the same 4 MiB block, cached
  }
  embed::resize_with_huge_pages(again, 900000);  // the helpers take any allocator
  EXPECT_EQ(again.size(), 900000u);
  EXPECT_EQ(embed::release_cached_buffers() > 0, !sanitized());
}

}  // namespace
