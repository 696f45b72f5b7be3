#include "embed/core/shape.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "embed/core/error.h"

namespace embed {

std::int64_t numel(const Shape& shape) {
  for (auto d : shape)
    if (d == 0) return 0;  // empty, however large the other sizes
  std::int64_t n = 1;
  for (auto d : shape)
    EMBED_CHECK(!__builtin_mul_overflow(n, d, &n), "shape {} has more elements than fit in 64 bits", shape_str(shape));
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  // An empty tensor may have sizes whose product overflows (a hostile file's
  // [0, 2^40, 2^40]); its strides are never used to address memory, so they
  // saturate instead.
  Shape strides(shape.size());
  std::int64_t s = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    if (__builtin_mul_overflow(s, std::max<std::int64_t>(shape[i], 1), &s)) {
      EMBED_CHECK(numel(shape) == 0, "shape {} has more elements than fit in 64 bits", shape_str(shape));
      s = std::numeric_limits<std::int64_t>::max();
    }
  }
  return strides;
}

AxisSplit split_at(const Shape& shape, int axis) {
  AxisSplit s;
  for (int d = 0; d < axis; ++d) s.outer *= shape[d];
  s.n = shape[axis];
  for (std::size_t d = axis + 1; d < shape.size(); ++d) s.inner *= shape[d];
  return s;
}

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    EMBED_CHECK(da == db || da == 1 || db == 1, "shapes {} and {} cannot be broadcast together", shape_str(a),
                shape_str(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int normalize_axis(std::int64_t axis, std::size_t rank) {
  const auto r = static_cast<std::int64_t>(rank);
  EMBED_CHECK(axis >= -r && axis < r, "axis {} out of range for a tensor of rank {}", axis, r);
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

}  // namespace embed
