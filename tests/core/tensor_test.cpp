#include <gtest/gtest.h>

#include "embed/core/tensor.h"

TEST(Tensor, Zeros) { EXPECT_EQ(embed::Tensor::zeros({2, 3}).numel(), 6); }
