#include <gtest/gtest.h>

#include "embed/core/autograd.h"
#include "embed/core/ops/elementwise.h"
#include "embed/core/ops/reduce.h"

using embed::Tensor;

TEST(Autograd, GradAccumulatesOverRepeatedUse) {
  Tensor x = Tensor::from_vector<float>({0, 1, 2}, {3});
  x.set_requires_grad();
  Tensor y = embed::sum(embed::add(embed::mul(x, x), embed::exp(x)));
  y.backward();
  const auto g = x.grad().to_vector<float>();
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(g[i], 2.0f * i + std::exp(static_cast<float>(i)), 1e-5);
}
