#include "embed/core/ops/shape.h"

#include <algorithm>
#include <numeric>

#include "embed/core/autograd.h"
#include "embed/core/ops/reduce.h"

namespace embed {

namespace {

Tensor make_view(const Tensor& x, Shape shape, Shape strides, std::int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = x.dtype();
  return Tensor(std::move(impl));
}

// Writes src (same shape) into the possibly strided view dst, any dtype.
void copy_into(const Tensor& dst, const Tensor& src) {
  const Tensor s = src.contiguous();
  const std::size_t es = dtype_size(dst.dtype());
  auto* d = static_cast<unsigned char*>(dst.storage()->data());
  const auto* p = static_cast<const unsigned char*>(s.storage()->data()) + s.offset() * es;
  for_each_offset(dst.shape(), dst.strides(), dst.offset(),
                  [&](std::int64_t i, std::int64_t off) { std::copy_n(p + i * es, es, d + off * es); });
}

Shape infer_shape(const Shape& requested, std::int64_t n, const Shape& from) {
  Shape shape = requested;
  std::int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      EMBED_CHECK(infer < 0, "reshape to {}: only one size may be -1", shape_str(requested));
      infer = static_cast<int>(i);
    } else {
      EMBED_CHECK(shape[i] >= 0, "reshape to {}: negative size", shape_str(requested));
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    EMBED_CHECK(known > 0 && n % known == 0, "cannot reshape {} into {}", shape_str(from), shape_str(requested));
    shape[infer] = n / known;
  }
  EMBED_CHECK(numel(shape) == n, "cannot reshape {} ({} elements) into {}", shape_str(from), n, shape_str(requested));
  return shape;
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& requested) {
  const Shape shape = infer_shape(requested, x.numel(), x.shape());
  Tensor base = x.is_contiguous() ? x.detach() : x.detach().contiguous();
  Tensor out = make_view(base, shape, contiguous_strides(shape), base.offset());
  return record(out, "reshape", {x}, [in = x.shape()](const Tensor& g) { return std::vector<Tensor>{reshape(g, in)}; });
}

Tensor flatten(const Tensor& x, std::int64_t start_axis, std::int64_t end_axis) {
  if (x.dim() == 0) return reshape(x, {1});
  const int s = normalize_axis(start_axis, x.shape().size());
  const int e = normalize_axis(end_axis, x.shape().size());
  EMBED_CHECK(s <= e, "flatten: start axis {} after end axis {}", s, e);
  Shape shape(x.shape().begin(), x.shape().begin() + s);
  std::int64_t merged = 1;
  for (int d = s; d <= e; ++d) merged *= x.shape()[d];
  shape.push_back(merged);
  shape.insert(shape.end(), x.shape().begin() + e + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& order) {
  const std::size_t rank = x.shape().size();
  EMBED_CHECK(order.size() == rank, "permute order has {} axes for a tensor of rank {}", order.size(), rank);
  Shape shape(rank), strides(rank);
  std::vector<std::int64_t> inverse(rank, -1);
  for (std::size_t i = 0; i < rank; ++i) {
    const int a = normalize_axis(order[i], rank);
    EMBED_CHECK(inverse[a] < 0, "permute order repeats axis {}", a);
    inverse[a] = static_cast<std::int64_t>(i);
    shape[i] = x.shape()[a];
    strides[i] = x.strides()[a];
  }
  Tensor out = make_view(x, shape, strides, x.offset());
  return record(out, "permute", {x}, [inverse](const Tensor& g) { return std::vector<Tensor>{permute(g, inverse)}; });
}

Tensor transpose(const Tensor& x, std::int64_t a, std::int64_t b) {
  std::vector<std::int64_t> order(x.shape().size());
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[normalize_axis(a, order.size())], order[normalize_axis(b, order.size())]);
  return permute(x, order);
}

Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end, std::int64_t step) {
  const int ax = normalize_axis(axis, x.shape().size());
  EMBED_CHECK(step > 0, "slice step must be positive, got {}", step);
  const std::int64_t n = x.shape()[ax];
  auto clip = [n](std::int64_t i) { return std::clamp(i < 0 ? i + n : i, std::int64_t{0}, n); };
  start = clip(start);
  end = std::max(clip(end), start);
  Shape shape = x.shape(), strides = x.strides();
  shape[ax] = (end - start + step - 1) / step;
  strides[ax] *= step;
  Tensor out = make_view(x, shape, strides, x.offset() + start * x.strides()[ax]);
  return record(out, "slice", {x}, [in = x.shape(), ax, start, end, step](const Tensor& g) {
    Tensor full = Tensor::zeros(in);
    copy_into(slice(full, ax, start, end, step), g);
    return std::vector<Tensor>{full};
  });
}

Tensor expand(const Tensor& x, const Shape& requested) {
  const std::size_t rank = requested.size();
  EMBED_CHECK(rank >= x.shape().size(), "cannot expand {} to fewer axes {}", describe(x), shape_str(requested));
  const std::size_t lead = rank - x.shape().size();
  Shape shape(rank), strides(rank, 0);
  for (std::size_t d = 0; d < rank; ++d) {
    if (d < lead) {
      EMBED_CHECK(requested[d] >= 0, "expand: new leading axis needs a size, got {}", shape_str(requested));
      shape[d] = requested[d];
      continue;
    }
    const std::int64_t have = x.shape()[d - lead];
    const std::int64_t want = requested[d] == -1 ? have : requested[d];
    EMBED_CHECK(want == have || have == 1, "cannot expand {} to {}", describe(x), shape_str(requested));
    shape[d] = want;
    strides[d] = want == have ? x.strides()[d - lead] : 0;
  }
  Tensor out = make_view(x, shape, strides, x.offset());
  return record(out, "expand", {x}, [in = x.shape()](const Tensor& g) { return std::vector<Tensor>{sum_to(g, in)}; });
}

Tensor unsqueeze(const Tensor& x, std::int64_t axis) {
  const int ax = normalize_axis(axis, x.shape().size() + 1);
  Shape shape = x.shape(), strides = x.strides();
  const std::int64_t stride = ax < static_cast<int>(shape.size()) ? shape[ax] * strides[ax] : 1;
  shape.insert(shape.begin() + ax, 1);
  strides.insert(strides.begin() + ax, stride);
  Tensor out = make_view(x, shape, strides, x.offset());
  return record(out, "unsqueeze", {x}, [ax](const Tensor& g) { return std::vector<Tensor>{squeeze(g, ax)}; });
}

Tensor squeeze(const Tensor& x, std::int64_t axis) {
  const int ax = normalize_axis(axis, x.shape().size());
  EMBED_CHECK(x.shape()[ax] == 1, "squeeze: axis {} of {} has size {}, not 1", ax, describe(x), x.shape()[ax]);
  Shape shape = x.shape(), strides = x.strides();
  shape.erase(shape.begin() + ax);
  strides.erase(strides.begin() + ax);
  Tensor out = make_view(x, shape, strides, x.offset());
  return record(out, "squeeze", {x}, [ax](const Tensor& g) { return std::vector<Tensor>{unsqueeze(g, ax)}; });
}

Tensor concat(const std::vector<Tensor>& xs, std::int64_t axis) {
  EMBED_CHECK(!xs.empty(), "concat of no tensors");
  const Shape& first = xs[0].shape();
  const int ax = normalize_axis(axis, first.size());
  Shape shape = first;
  shape[ax] = 0;
  std::vector<std::int64_t> sizes;
  for (const Tensor& t : xs) {
    EMBED_CHECK(t.dtype() == xs[0].dtype(), "concat mixes {} and {}", describe(xs[0]), describe(t));
    EMBED_CHECK(t.shape().size() == first.size(), "concat: {} and {} differ in rank", describe(xs[0]), describe(t));
    for (std::size_t d = 0; d < first.size(); ++d)
      EMBED_CHECK(static_cast<int>(d) == ax || t.shape()[d] == first[d], "concat along {}: {} and {} differ on axis {}",
                  ax, describe(xs[0]), describe(t), d);
    sizes.push_back(t.shape()[ax]);
    shape[ax] += t.shape()[ax];
  }
  Tensor out = Tensor::empty(shape, xs[0].dtype());
  std::int64_t at = 0;
  for (const Tensor& t : xs) {
    copy_into(slice(out, ax, at, at + t.shape()[ax]), t);
    at += t.shape()[ax];
  }
  return record(out, "concat", xs, [sizes, ax](const Tensor& g) { return split(g.detach(), sizes, ax); });
}

Tensor stack(const std::vector<Tensor>& xs, std::int64_t axis) {
  EMBED_CHECK(!xs.empty(), "stack of no tensors");
  const int ax = normalize_axis(axis, xs[0].shape().size() + 1);
  std::vector<Tensor> parts;
  parts.reserve(xs.size());
  for (const Tensor& t : xs) {
    EMBED_CHECK(t.shape() == xs[0].shape(), "stack: {} and {} differ", describe(xs[0]), describe(t));
    parts.push_back(unsqueeze(t, ax));
  }
  return concat(parts, ax);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t axis) {
  const int ax = normalize_axis(axis, x.shape().size());
  std::int64_t total = 0;
  for (auto s : sizes) {
    EMBED_CHECK(s >= 0, "split size {} is negative", s);
    total += s;
  }
  EMBED_CHECK(total == x.shape()[ax], "split sizes sum to {}, axis {} of {} has {}", total, ax, describe(x),
              x.shape()[ax]);
  std::vector<Tensor> out;
  std::int64_t at = 0;
  for (auto s : sizes) {
    out.push_back(slice(x, ax, at, at + s));
    at += s;
  }
  return out;
}

Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, float value) {
  EMBED_CHECK(x.dtype() == DType::f32, "pad needs f32, got {}", describe(x));
  EMBED_CHECK(pads.size() % 2 == 0 && pads.size() / 2 <= x.shape().size(),
              "pad needs (before, after) pairs for at most {} axes, got {} values", x.shape().size(), pads.size());
  Shape shape = x.shape();
  const std::size_t rank = shape.size();
  for (std::size_t i = 0; i < pads.size() / 2; ++i) {
    EMBED_CHECK(pads[2 * i] >= 0 && pads[2 * i + 1] >= 0, "negative padding is not supported");
    shape[rank - 1 - i] += pads[2 * i] + pads[2 * i + 1];
  }
  Tensor out = Tensor::full(shape, value);
  Tensor interior = out;
  for (std::size_t i = 0; i < pads.size() / 2; ++i) {
    const auto ax = static_cast<std::int64_t>(rank - 1 - i);
    interior = slice(interior, ax, pads[2 * i], pads[2 * i] + x.shape()[ax]);
  }
  copy_into(interior, x);
  return record(out, "pad", {x}, [pads, in = x.shape()](const Tensor& g) {
    Tensor inner = g;
    for (std::size_t i = 0; i < pads.size() / 2; ++i) {
      const auto ax = static_cast<std::int64_t>(in.size() - 1 - i);
      inner = slice(inner, ax, pads[2 * i], pads[2 * i] + in[ax]);
    }
    return std::vector<Tensor>{inner};
  });
}

}  // namespace embed
