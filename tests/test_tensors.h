// Helpers shared by the gtest files.
#pragma once

#include <vector>

#include "embed/core/tensor.h"

namespace embed::testing {

// 0, 1, 2, ... in row-major order.
inline Tensor iota(const Shape& shape) {
  std::vector<float> v(static_cast<std::size_t>(numel(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return Tensor::from_vector(v, shape);
}

}  // namespace embed::testing
