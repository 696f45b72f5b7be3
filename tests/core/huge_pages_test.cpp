// The huge-page helpers move contents into fresh memory and grow like push_back.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "embed/core/huge_pages.h"

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
