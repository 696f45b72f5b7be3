// The vectorisable exp/tanh/erfc against double-precision libm over [-100, 100],
// with the error bounds stated in embed/core/vec_math.h, plus the special values.
#include "embed/core/vec_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

std::vector<float> grid() {
  std::vector<float> xs;
  for (float x = -100.0f; x < 100.0f; x += 0.00137f) xs.push_back(x);
  for (float x : {0.0f, -0.0f, 1e-30f, -1e-30f, 0.625f, -0.625f, 88.7f, -86.5f}) xs.push_back(x);
  return xs;
}

}  // namespace

TEST(VecMath, ExpWithinTwoUlp) {
  for (float x : grid()) {
    const double ref = std::exp(static_cast<double>(x));
    if (ref < 2.5e-38 || ref > 3.4e38) continue;  // outside the normal range the result saturates (below)
    EXPECT_LE(std::fabs(embed::vec::exp(x) - ref) / ref, 2 * 5.97e-8) << "x = " << x;
  }
}

TEST(VecMath, ExpSpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(embed::vec::exp(0.0f), 1.0f);
  EXPECT_EQ(embed::vec::exp(inf), inf);
  EXPECT_EQ(embed::vec::exp(89.0f), inf);
  EXPECT_EQ(embed::vec::exp(-inf), 0.0f);
  EXPECT_EQ(embed::vec::exp(-100.0f), 0.0f);
  EXPECT_TRUE(std::isnan(embed::vec::exp(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isfinite(embed::vec::exp(88.72f)));
}

TEST(VecMath, TanhAndErfcAbsoluteError) {
  for (float x : grid()) {
    EXPECT_LE(std::fabs(embed::vec::tanh(x) - std::tanh(static_cast<double>(x))), 2e-7) << "x = " << x;
    EXPECT_LE(std::fabs(embed::vec::erfc(x) - std::erfc(static_cast<double>(x))), 6e-7) << "x = " << x;
  }
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(embed::vec::tanh(inf), 1.0f);
  EXPECT_EQ(embed::vec::tanh(-inf), -1.0f);
  EXPECT_EQ(embed::vec::erfc(inf), 0.0f);
  EXPECT_EQ(embed::vec::erfc(-inf), 2.0f);
}

TEST(VecMath, SumAndMax) {
  std::vector<float> x(100003);
  double ref = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(std::sin(static_cast<double>(i))) + 1.0f;
    ref += x[i];
  }
  const auto n = static_cast<std::int64_t>(x.size());
  EXPECT_NEAR(embed::vec::sum(x.data(), n), ref, ref * 1e-6);
  x[77777] = 5.0f;
  EXPECT_EQ(embed::vec::max(x.data(), n), 5.0f);
  EXPECT_EQ(embed::vec::max(x.data(), 0), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(embed::vec::max(x.data() + 5, 3), std::max({x[5], x[6], x[7]}));
}
