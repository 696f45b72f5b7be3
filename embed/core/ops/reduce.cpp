#include "embed/core/ops/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "embed/core/autograd.h"
#include "embed/core/ops/elementwise.h"
#include "embed/core/ops/shape.h"
#include "embed/core/parallel.h"
#include "embed/core/vec_math.h"

namespace embed {

namespace {

// Sorted, unique, non-negative axes; every axis when `axes` is empty.
std::vector<int> resolve_axes(const Axes& axes, std::size_t rank) {
  std::vector<int> out;
  if (axes.empty()) {
    for (std::size_t d = 0; d < rank; ++d) out.push_back(static_cast<int>(d));
    return out;
  }
  for (auto a : axes) out.push_back(normalize_axis(a, rank));
  std::sort(out.begin(), out.end());
  EMBED_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), "reduction axes repeat an axis");
  return out;
}

Shape reduced_shape(const Shape& in, const std::vector<int>& axes, bool keepdim) {
  Shape out;
  for (std::size_t d = 0; d < in.size(); ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), static_cast<int>(d)) != axes.end();
    if (!reduced) {
      out.push_back(in[d]);
    } else if (keepdim) {
      out.push_back(1);
    }
  }
  return out;
}

// Sum of a contiguous tensor along one axis, keeping it with size 1.
Tensor sum_axis_kernel(const Tensor& xc, int axis) {
  const AxisSplit p = split_at(xc.shape(), axis);
  Shape shape = xc.shape();
  shape[axis] = 1;
  Tensor out = Tensor::zeros(shape);
  const float* x = xc.data<float>();
  float* o = out.data<float>();
  if (p.inner == 1) {
    parallel_for(p.outer, p.n, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t i = lo; i < hi; ++i) {
        o[i] = vec::sum(x + i * p.n, p.n);
      }
    });
  } else {
    parallel_for(p.outer, p.n * p.inner, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t i = lo; i < hi; ++i) {
        float* orow = o + i * p.inner;
        for (std::int64_t k = 0; k < p.n; ++k) {
          const float* row = x + (i * p.n + k) * p.inner;
          for (std::int64_t j = 0; j < p.inner; ++j) orow[j] += row[j];
        }
      }
    });
  }
  return out;
}

// Index of the max (or min) along one axis, first of equals; NaN wins, as in PyTorch.
Tensor arg_extreme(const Tensor& x, std::int64_t axis, bool keepdim, bool want_max) {
  EMBED_CHECK(x.dtype() == DType::f32, "argmax/argmin need f32, got {}", describe(x));
  const int ax = normalize_axis(axis, x.shape().size());
  EMBED_CHECK(x.shape()[ax] > 0, "argmax/argmin over an empty axis of {}", describe(x));
  const Tensor xc = x.detach().contiguous();
  const AxisSplit p = split_at(xc.shape(), ax);
  Tensor out = Tensor::empty(reduced_shape(x.shape(), {ax}, keepdim), DType::i64);
  const float* px = xc.data<float>();
  auto* o = out.data<std::int64_t>();
  parallel_for(p.outer * p.inner, p.n, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t r = lo; r < hi; ++r) {
      const std::int64_t i = r / p.inner, j = r % p.inner;
      const float* base = px + i * p.n * p.inner + j;
      std::int64_t best = 0;
      float bv = base[0];
      for (std::int64_t k = 1; k < p.n && !std::isnan(bv); ++k) {
        const float v = base[k * p.inner];
        if (std::isnan(v) || (want_max ? v > bv : v < bv)) {
          bv = v;
          best = k;
        }
      }
      o[r] = best;
    }
  });
  return out;
}

Tensor extreme(const Tensor& x, std::int64_t axis, bool keepdim, bool want_max) {
  const int ax = normalize_axis(axis, x.shape().size());
  const Tensor idx = arg_extreme(x, ax, true, want_max);
  const Tensor xc = x.detach().contiguous();
  const AxisSplit p = split_at(xc.shape(), ax);
  Tensor out = Tensor::empty(idx.shape());
  const float* px = xc.data<float>();
  const auto* pi = idx.data<std::int64_t>();
  float* o = out.data<float>();
  for (std::int64_t r = 0; r < p.outer * p.inner; ++r) {
    const std::int64_t i = r / p.inner, j = r % p.inner;
    o[r] = px[(i * p.n + pi[r]) * p.inner + j];
  }
  out = record(out, want_max ? "max" : "min", {x}, [idx, in = x.shape(), ax](const Tensor& g) {
    // Route each gradient to the element that was picked.
    const AxisSplit q = split_at(in, ax);
    Tensor full = Tensor::zeros(in);
    const Tensor gc = g.contiguous();
    const float* pg = gc.data<float>();
    const auto* pidx = idx.data<std::int64_t>();
    float* f = full.data<float>();
    for (std::int64_t r = 0; r < q.outer * q.inner; ++r) {
      const std::int64_t i = r / q.inner, j = r % q.inner;
      f[(i * q.n + pidx[r]) * q.inner + j] += pg[r];
    }
    return std::vector<Tensor>{full};
  });
  return keepdim ? out : squeeze(out, ax);
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes, bool keepdim) {
  EMBED_CHECK(x.dtype() == DType::f32, "sum needs f32, got {}", describe(x));
  const std::vector<int> ax = resolve_axes(axes, x.shape().size());
  Tensor out = x.detach().contiguous();
  for (int a : ax) out = sum_axis_kernel(out, a);
  out = out.detach();
  const Shape out_shape = reduced_shape(x.shape(), ax, keepdim);
  out = Tensor::from_storage(out.storage(), out_shape, DType::f32, out.offset());
  return record(out, "sum", {x}, [in = x.shape(), ax](const Tensor& g) {
    return std::vector<Tensor>{expand(reshape(g, reduced_shape(in, ax, true)), in).contiguous()};
  });
}

Tensor mean(const Tensor& x, const Axes& axes, bool keepdim) {
  std::int64_t count = 1;
  for (int a : resolve_axes(axes, x.shape().size())) count *= x.shape()[a];
  return mul(sum(x, axes, keepdim), 1.0f / static_cast<float>(count));
}

Tensor max(const Tensor& x, std::int64_t axis, bool keepdim) { return extreme(x, axis, keepdim, true); }
Tensor min(const Tensor& x, std::int64_t axis, bool keepdim) { return extreme(x, axis, keepdim, false); }
Tensor max(const Tensor& x) { return reshape(max(reshape(x, {-1}), 0, false), {}); }
Tensor min(const Tensor& x) { return reshape(min(reshape(x, {-1}), 0, false), {}); }
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdim) { return arg_extreme(x, axis, keepdim, true); }
Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdim) { return arg_extreme(x, axis, keepdim, false); }

Tensor var(const Tensor& x, const Axes& axes, std::int64_t correction, bool keepdim) {
  std::int64_t count = 1;
  for (int a : resolve_axes(axes, x.shape().size())) count *= x.shape()[a];
  EMBED_CHECK(count - correction > 0, "var over {} elements with correction {}", count, correction);
  const Tensor centered = sub(x, mean(x, axes, true));
  return mul(sum(mul(centered, centered), axes, keepdim), 1.0f / static_cast<float>(count - correction));
}

Tensor norm(const Tensor& x, float p, const Axes& axes, bool keepdim) {
  EMBED_CHECK(p > 0.0f, "norm order must be positive, got {}", p);
  if (p == 2.0f) {
    const Tensor xd = x.detach();
    Tensor out = sqrt(sum(mul(xd, xd), axes, keepdim)).detach();
    if (!should_record({&x})) return out;
    const std::vector<int> ax = resolve_axes(axes, x.shape().size());
    return record(out, "norm", {x}, [xd, out, ax](const Tensor& g) {
      // d||x||/dx = x / ||x||, taken as 0 where ||x|| = 0 (as PyTorch)
      const Shape kept = reduced_shape(xd.shape(), ax, true);
      Tensor n = reshape(out, kept);
      Tensor safe = Tensor::empty(n.shape());
      const Tensor nc = n.contiguous();
      for (std::int64_t i = 0; i < safe.numel(); ++i) {
        const float v = nc.data<float>()[i];
        safe.data<float>()[i] = v == 0.0f ? std::numeric_limits<float>::infinity() : v;
      }
      return std::vector<Tensor>{mul(xd, div(reshape(g, kept), safe))};
    });
  }
  return pow(sum(pow(abs(x), p), axes, keepdim), 1.0f / p);
}

Tensor logsumexp(const Tensor& x, std::int64_t axis, bool keepdim) {
  const Tensor m = max(x.detach(), axis, true);
  // Rows whose max is ±inf would give inf - inf; shift by 0 there.
  Tensor shift = Tensor::empty(m.shape());
  for (std::int64_t i = 0; i < m.numel(); ++i) {
    const float v = m.data<float>()[i];
    shift.data<float>()[i] = std::isfinite(v) ? v : 0.0f;
  }
  Tensor out = add(log(sum(exp(sub(x, shift)), {axis}, true)), shift);
  return keepdim ? out : squeeze(out, axis);
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const std::size_t lead = g.shape().size() - shape.size();
  Axes axes;
  for (std::size_t d = 0; d < g.shape().size(); ++d)
    if (d < lead || (shape[d - lead] == 1 && g.shape()[d] != 1)) axes.push_back(static_cast<std::int64_t>(d));
  if (axes.empty()) return reshape(g, shape);
  return reshape(sum(g, axes, true), shape);
}

}  // namespace embed
