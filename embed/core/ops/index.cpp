#include "embed/core/ops/index.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "embed/core/autograd.h"
#include "embed/core/ops/elementwise.h"
#include "embed/core/parallel.h"

namespace embed {

namespace {

// Integer indices as contiguous i64, each checked to lie in [0, bound).
Tensor checked_index(const char* op, const Tensor& index, std::int64_t bound) {
  EMBED_CHECK(index.dtype() == DType::i64 || index.dtype() == DType::i32, "{}: index must be i32 or i64, got {}", op,
              describe(index));
  Tensor idx = index.to(DType::i64).contiguous();
  const auto* p = idx.data<std::int64_t>();
  for (std::int64_t i = 0; i < idx.numel(); ++i)
    EMBED_CHECK(p[i] >= 0 && p[i] < bound, "{}: index {} at position {} is outside [0, {})", op, p[i], i, bound);
  return idx;
}

void check_float(const char* op, const Tensor& x) {
  EMBED_CHECK(x.dtype() == DType::f32, "{} needs f32 values, got {}", op, describe(x));
}

// Calls f(position in index, offset in a contiguous tensor of `target` shape)
// where the target coordinate along `axis` is the index value.
template <typename F>
void for_each_indexed(const Shape& index_shape, const Shape& target, int axis, const std::int64_t* idx, F f) {
  const Shape strides = contiguous_strides(target);
  const std::int64_t rank = static_cast<std::int64_t>(index_shape.size());
  std::vector<std::int64_t> coord(rank, 0);
  for (std::int64_t pos = 0, n = numel(index_shape); pos < n; ++pos) {
    std::int64_t off = 0;
    for (std::int64_t d = 0; d < rank; ++d) off += (d == axis ? idx[pos] : coord[d]) * strides[d];
    f(pos, off);
    for (std::int64_t d = rank - 1; d >= 0; --d) {
      if (++coord[d] < index_shape[d]) break;
      coord[d] = 0;
    }
  }
}

void check_gather_shapes(const char* op, const Tensor& x, int axis, const Tensor& index) {
  EMBED_CHECK(index.dim() == x.dim(), "{}: index {} must have the rank of {}", op, describe(index), describe(x));
  for (int d = 0; d < x.dim(); ++d)
    EMBED_CHECK(d == axis || index.shape()[d] <= x.shape()[d], "{}: index {} is larger than {} on axis {}", op,
                describe(index), describe(x), d);
}

}  // namespace

Tensor gather(const Tensor& x, std::int64_t axis_in, const Tensor& index) {
  check_float("gather", x);
  const int axis = normalize_axis(axis_in, x.shape().size());
  check_gather_shapes("gather", x, axis, index);
  const Tensor idx = checked_index("gather", index, x.shape()[axis]);
  const Tensor xc = x.detach().contiguous();
  Tensor out = Tensor::empty(index.shape());
  const float* px = xc.data<float>();
  float* po = out.data<float>();
  for_each_indexed(index.shape(), x.shape(), axis, idx.data<std::int64_t>(),
                   [&](std::int64_t pos, std::int64_t off) { po[pos] = px[off]; });
  return record(out, "gather", {x, Tensor()}, [idx, axis, shape = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{scatter_add(Tensor::zeros(shape), axis, idx, g), Tensor()};
  });
}

Tensor scatter_add(const Tensor& x, std::int64_t axis_in, const Tensor& index, const Tensor& src) {
  check_float("scatter_add", x);
  check_float("scatter_add", src);
  const int axis = normalize_axis(axis_in, x.shape().size());
  check_gather_shapes("scatter_add", x, axis, index);
  EMBED_CHECK(src.shape() == index.shape(), "scatter_add: src {} must have the index's shape {}", describe(src),
              describe(index));
  const Tensor idx = checked_index("scatter_add", index, x.shape()[axis]);
  Tensor out = x.detach().contiguous().clone();
  const Tensor sc = src.detach().contiguous();
  const float* ps = sc.data<float>();
  float* po = out.data<float>();
  for_each_indexed(index.shape(), x.shape(), axis, idx.data<std::int64_t>(),
                   [&](std::int64_t pos, std::int64_t off) { po[off] += ps[pos]; });
  return record(out, "scatter_add", {x, Tensor(), src}, [idx, axis](const Tensor& g) {
    return std::vector<Tensor>{g, Tensor(), gather(g, axis, idx)};
  });
}

Tensor index_select(const Tensor& x, std::int64_t axis_in, const Tensor& index) {
  const int axis = normalize_axis(axis_in, x.shape().size());
  EMBED_CHECK(index.dim() == 1, "index_select: index must be 1-D, got {}", describe(index));
  const Tensor idx = checked_index("index_select", index, x.shape()[axis]);
  const AxisSplit s = split_at(x.shape(), axis);
  const std::int64_t m = idx.numel();
  Shape shape = x.shape();
  shape[axis] = m;
  const Tensor xc = x.detach().contiguous();
  Tensor out = Tensor::empty(shape, x.dtype());
  const std::size_t es = dtype_size(x.dtype());
  const auto* px = static_cast<const unsigned char*>(xc.storage()->data()) + xc.offset() * es;
  auto* po = static_cast<unsigned char*>(out.storage()->data());
  const auto* pi = idx.data<std::int64_t>();
  const std::int64_t row = s.inner * static_cast<std::int64_t>(es);
  parallel_for(s.outer * m, s.inner, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t r = lo; r < hi; ++r) {
      const std::int64_t o = r / m, i = r % m;
      std::copy_n(px + (o * s.n + pi[i]) * row, row, po + r * row);
    }
  });
  return record(out, "index_select", {x, Tensor()}, [idx, axis, shape = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{index_add(Tensor::zeros(shape), axis, idx, g), Tensor()};
  });
}

Tensor index_add(const Tensor& x, std::int64_t axis_in, const Tensor& index, const Tensor& src) {
  check_float("index_add", x);
  check_float("index_add", src);
  const int axis = normalize_axis(axis_in, x.shape().size());
  EMBED_CHECK(index.dim() == 1, "index_add: index must be 1-D, got {}", describe(index));
  Shape expect = x.shape();
  expect[axis] = index.numel();
  EMBED_CHECK(src.shape() == expect, "index_add: src {} should be {}", describe(src), shape_str(expect));
  const Tensor idx = checked_index("index_add", index, x.shape()[axis]);
  const AxisSplit s = split_at(x.shape(), axis);
  const std::int64_t m = idx.numel();
  Tensor out = x.detach().contiguous().clone();
  const Tensor sc = src.detach().contiguous();
  const float* ps = sc.data<float>();
  float* po = out.data<float>();
  const auto* pi = idx.data<std::int64_t>();
  // Parallel over outer slices (disjoint outputs); within one, rows add in index order.
  parallel_for(s.outer, m * s.inner, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t o = lo; o < hi; ++o)
      for (std::int64_t i = 0; i < m; ++i) {
        float* dst = po + (o * s.n + pi[i]) * s.inner;
        const float* from = ps + (o * m + i) * s.inner;
        for (std::int64_t j = 0; j < s.inner; ++j) dst[j] += from[j];
      }
  });
  return record(out, "index_add", {x, Tensor(), src}, [idx, axis](const Tensor& g) {
    return std::vector<Tensor>{g, Tensor(), index_select(g, axis, idx)};
  });
}

Tensor one_hot(const Tensor& ids, std::int64_t num_classes, DType dtype) {
  EMBED_CHECK(ids.dtype() == DType::i64 || ids.dtype() == DType::i32, "one_hot: ids must be i32 or i64, got {}",
              describe(ids));
  const Tensor flat = ids.to(DType::i64).contiguous();
  const auto* p = flat.data<std::int64_t>();
  if (num_classes < 0) {
    EMBED_CHECK(flat.numel() > 0, "one_hot: cannot infer the number of classes from no ids");
    num_classes = *std::max_element(p, p + flat.numel()) + 1;
  }
  const Tensor idx = checked_index("one_hot", ids, num_classes);
  Shape shape = ids.shape();
  shape.push_back(num_classes);
  Tensor out = Tensor::zeros(shape, DType::f32);
  float* po = out.data<float>();
  for (std::int64_t i = 0; i < idx.numel(); ++i) po[i * num_classes + idx.data<std::int64_t>()[i]] = 1.0f;
  return dtype == DType::f32 ? out : out.to(dtype);
}

namespace {

void check_segments(const char* op, const Tensor& x, const Tensor& ids, std::int64_t num_segments) {
  check_float(op, x);
  EMBED_CHECK(x.dim() >= 1 && ids.dim() == 1 && ids.numel() == x.shape()[0],
              "{}: segment ids {} must be 1-D with one id per row of {}", op, describe(ids), describe(x));
  EMBED_CHECK(num_segments >= 0, "{}: num_segments must be non-negative, got {}", op, num_segments);
}

Shape segment_shape(const Tensor& x, std::int64_t num_segments) {
  Shape shape = x.shape();
  shape[0] = num_segments;
  return shape;
}

}  // namespace

Tensor segment_sum(const Tensor& x, const Tensor& ids, std::int64_t num_segments) {
  check_segments("segment_sum", x, ids, num_segments);
  return index_add(Tensor::zeros(segment_shape(x, num_segments)), 0, ids, x);
}

Tensor segment_mean(const Tensor& x, const Tensor& ids, std::int64_t num_segments) {
  check_segments("segment_mean", x, ids, num_segments);
  const Tensor idx = checked_index("segment_mean", ids, num_segments);
  Shape count_shape(x.shape().size(), 1);
  count_shape[0] = num_segments;
  Tensor counts = Tensor::zeros(count_shape);
  for (std::int64_t i = 0; i < idx.numel(); ++i) counts.data<float>()[idx.data<std::int64_t>()[i]] += 1.0f;
  for (std::int64_t s = 0; s < num_segments; ++s) counts.data<float>()[s] = std::max(counts.data<float>()[s], 1.0f);
  return div(segment_sum(x, idx, num_segments), counts);
}

Tensor segment_max(const Tensor& x, const Tensor& ids, std::int64_t num_segments) {
  check_segments("segment_max", x, ids, num_segments);
  const Tensor idx = checked_index("segment_max", ids, num_segments);
  const std::int64_t e = x.shape()[0], cols = e == 0 ? 0 : x.numel() / e;
  const Tensor xc = x.detach().contiguous();
  const float* px = xc.data<float>();
  const auto* pi = idx.data<std::int64_t>();
  Tensor out = Tensor::zeros(segment_shape(x, num_segments));
  Tensor where = Tensor::full({num_segments * cols}, -1.0f).to(DType::i64);  // winning row per output cell
  float* po = out.data<float>();
  auto* pw = where.data<std::int64_t>();
  for (std::int64_t r = 0; r < e; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      const std::int64_t cell = pi[r] * cols + c;
      const float v = px[r * cols + c];
      if (pw[cell] < 0 || v > po[cell] || (std::isnan(v) && !std::isnan(po[cell]))) {
        po[cell] = v;
        pw[cell] = r;
      }
    }
  return record(out, "segment_max", {x, Tensor()}, [where, cols, shape = x.shape()](const Tensor& g_in) {
    const Tensor g = g_in.contiguous();
    Tensor dx = Tensor::zeros(shape);
    const auto* w = where.data<std::int64_t>();
    for (std::int64_t cell = 0; cell < where.numel(); ++cell)
      if (w[cell] >= 0) dx.data<float>()[w[cell] * cols + cell % cols] += g.data<float>()[cell];
    return std::vector<Tensor>{dx, Tensor()};
  });
}

Tensor segment_softmax(const Tensor& x, const Tensor& ids, std::int64_t num_segments) {
  check_segments("segment_softmax", x, ids, num_segments);
  const Tensor idx = checked_index("segment_softmax", ids, num_segments);
  // Shifting a segment by a constant leaves its softmax unchanged, so the max
  // is taken without a gradient; the rest is recorded ops whose chain rule
  // gives y ⊙ (g - Σ_segment g ⊙ y).
  Tensor shift;
  {
    NoGradGuard no_grad;
    shift = index_select(segment_max(x.detach(), idx, num_segments), 0, idx);
  }
  const Tensor e = exp(sub(x, shift));
  return div(e, index_select(segment_sum(e, idx, num_segments), 0, idx));
}

}  // namespace embed
