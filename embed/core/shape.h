// Shapes and strides (in elements), and the broadcasting rule of NumPy/PyTorch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace embed {

using Shape = std::vector<std::int64_t>;

// Number of elements; 1 for a scalar (empty shape).
std::int64_t numel(const Shape& shape);
// Row-major (C order) strides for a shape.
Shape contiguous_strides(const Shape& shape);
// "[2, 3, 4]"
std::string shape_str(const Shape& shape);
// Broadcast two shapes: align from the right, sizes must match or be 1.
// Throws InvalidArgument naming both shapes otherwise.
Shape broadcast_shapes(const Shape& a, const Shape& b);
// Normalise a possibly negative axis against rank; throws when out of range.
int normalize_axis(std::int64_t axis, std::size_t rank);

// A contiguous tensor seen as [outer, n, inner] around one axis.
struct AxisSplit {
  std::int64_t outer = 1, n = 1, inner = 1;
};
AxisSplit split_at(const Shape& shape, int axis);

}  // namespace embed
