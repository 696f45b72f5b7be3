#include "embed/core/ops/nn.h"

#include <cmath>
#include <limits>

#include "embed/core/autograd.h"
#include "embed/core/ops/elementwise.h"
#include "embed/core/ops/reduce.h"
#include "embed/core/ops/shape.h"
#include "embed/core/parallel.h"
#include "embed/core/rng.h"
#include "embed/core/row_sparse.h"
#include "embed/core/vec_math.h"

namespace embed {

namespace {

// Runs f(row_a, row_b, row_out, n) over the rows of contiguous [rows, n]
// copies of a and b (same shape; b may be null) with `axis` moved last;
// returns the result with the axis back in place.
template <typename F>
Tensor rowwise2(const Tensor& a, const Tensor* b, int axis, F f) {
  const int last = static_cast<int>(a.shape().size()) - 1;
  const auto axis_last = [&](const Tensor& t) {
    return (axis == last ? t.detach() : transpose(t.detach(), axis, last)).contiguous();
  };
  const Tensor ac = axis_last(a);
  const Tensor bc = b ? axis_last(*b) : Tensor();
  const std::int64_t n = ac.shape().empty() ? 1 : ac.shape().back();
  const std::int64_t rows = n == 0 ? 0 : ac.numel() / n;
  Tensor out = Tensor::empty(ac.shape());
  const float* pa = ac.data<float>();
  const float* pb = b ? bc.data<float>() : nullptr;
  float* po = out.data<float>();
  parallel_for(rows, n * 4, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t r = lo; r < hi; ++r) f(pa + r * n, pb ? pb + r * n : nullptr, po + r * n, n);
  });
  return axis == last ? out : transpose(out, axis, last).contiguous();
}

template <typename F>
Tensor rowwise(const Tensor& x, int axis, F f) {
  return rowwise2(x, nullptr, axis, [&f](const float* a, const float*, float* o, std::int64_t n) { f(a, o, n); });
}

void softmax_row(const float* x, float* y, std::int64_t n) {
  const float m = vec::max(x, n);
  if (m == -std::numeric_limits<float>::infinity()) {  // every position masked
    std::fill_n(y, n, 0.0f);
    return;
  }
  const float inv = 1.0f / vec::sum_indexed(n, [m, x, y](std::int64_t i) { return y[i] = vec::exp(x[i] - m); });
  for (std::int64_t i = 0; i < n; ++i) y[i] *= inv;
}

void log_softmax_row(const float* x, float* y, std::int64_t n) {
  const float m = vec::max(x, n);
  if (m == -std::numeric_limits<float>::infinity()) {
    std::fill_n(y, n, -std::numeric_limits<float>::infinity());
    return;
  }
  const float lse = m + std::log(vec::sum_of(x, n, [m](float v) { return vec::exp(v - m); }));
  for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] - lse;
}

Tensor with_mask(const Tensor& x, const Tensor& mask) { return mask.defined() ? add(x, mask) : x; }

}  // namespace

Tensor softmax(const Tensor& x_in, std::int64_t axis, const Tensor& mask) {
  EMBED_CHECK(x_in.dtype() == DType::f32, "softmax needs f32, got {}", describe(x_in));
  const Tensor x = with_mask(x_in, mask);
  const int ax = normalize_axis(axis, x.shape().size());
  Tensor y = rowwise(x, ax, softmax_row);
  const Tensor yd = y.detach();
  return record(y, "softmax", {x}, [yd, ax](const Tensor& g) {
    // y ⊙ (g - Σ_axis g ⊙ y), one fused pass per row
    return std::vector<Tensor>{rowwise2(yd, &g, ax, [](const float* py, const float* pg, float* o, std::int64_t n) {
      const float dot = vec::sum_indexed(n, [py, pg](std::int64_t i) { return py[i] * pg[i]; });
      for (std::int64_t i = 0; i < n; ++i) o[i] = py[i] * (pg[i] - dot);
    })};
  });
}

Tensor log_softmax(const Tensor& x_in, std::int64_t axis, const Tensor& mask) {
  EMBED_CHECK(x_in.dtype() == DType::f32, "log_softmax needs f32, got {}", describe(x_in));
  const Tensor x = with_mask(x_in, mask);
  const int ax = normalize_axis(axis, x.shape().size());
  Tensor y = rowwise(x, ax, log_softmax_row);
  const Tensor yd = y.detach();
  return record(y, "log_softmax", {x}, [yd, ax](const Tensor& g) {
    // g - exp(y) · Σ_axis g, one fused pass per row
    return std::vector<Tensor>{rowwise2(yd, &g, ax, [](const float* py, const float* pg, float* o, std::int64_t n) {
      const float total = vec::sum(pg, n);
      for (std::int64_t i = 0; i < n; ++i) o[i] = pg[i] - vec::exp(py[i]) * total;
    })};
  });
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias, float eps) {
  EMBED_CHECK(x.dtype() == DType::f32, "layer_norm needs f32, got {}", describe(x));
  const std::size_t k = normalized_shape.size();
  EMBED_CHECK(k >= 1 && k <= x.shape().size() && Shape(x.shape().end() - k, x.shape().end()) == normalized_shape,
              "layer_norm over {} does not match the trailing axes of {}", shape_str(normalized_shape), describe(x));
  for (const Tensor* p : {&weight, &bias})
    EMBED_CHECK(!p->defined() || p->shape() == normalized_shape, "layer_norm affine parameter {} should be {}",
                describe(*p), shape_str(normalized_shape));
  const std::int64_t n = numel(normalized_shape);
  const Tensor xc = x.detach().contiguous();
  const std::int64_t rows = n == 0 ? 0 : xc.numel() / n;
  const Tensor wc = weight.defined() ? weight.detach().contiguous() : Tensor();
  const Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = Tensor::empty(x.shape());
  Tensor mean_t = Tensor::empty({rows}), rstd_t = Tensor::empty({rows});
  const float* px = xc.data<float>();
  const float* pw = wc.defined() ? wc.data<float>() : nullptr;
  const float* pb = bc.defined() ? bc.data<float>() : nullptr;
  float* py = y.data<float>();
  float* pm = mean_t.data<float>();
  float* pr = rstd_t.data<float>();
  parallel_for(rows, n * 6, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t r = lo; r < hi; ++r) {
      const float* row = px + r * n;
      const float mu = vec::sum(row, n) / static_cast<float>(n);
      // two-pass variance: no cancellation
      const float v = vec::sum_of(row, n, [mu](float a) { return (a - mu) * (a - mu); });
      const float rstd = 1.0f / std::sqrt(v / static_cast<float>(n) + eps);
      pm[r] = mu;
      pr[r] = rstd;
      float* out = py + r * n;
      for (std::int64_t i = 0; i < n; ++i) {
        float h = (row[i] - mu) * rstd;
        if (pw) h *= pw[i];
        if (pb) h += pb[i];
        out[i] = h;
      }
    }
  });
  if (!should_record({&x, &weight, &bias})) return y;
  const bool gx = x.requires_grad(), gw = weight.defined() && weight.requires_grad(),
             gb = bias.defined() && bias.requires_grad();
  return record(y, "layer_norm", {x, weight, bias}, [=](const Tensor& g_in) {
    const Tensor g = g_in.contiguous();
    Tensor dx = gx ? Tensor::empty(xc.shape()) : Tensor();
    Tensor dw = gw ? Tensor::zeros(normalized_shape) : Tensor();
    Tensor db = gb ? Tensor::zeros(normalized_shape) : Tensor();
    const float* pg = g.data<float>();
    const float* w = wc.defined() ? wc.data<float>() : nullptr;
    const float* xs = xc.data<float>();
    const float* mu = mean_t.data<float>();
    const float* rs = rstd_t.data<float>();
    if (gx) {
      float* pdx = dx.data<float>();
      // dx = rstd/n · (n·ĝ - Σĝ - x̂·Σ(ĝ⊙x̂)), ĝ = g⊙γ, x̂ = (x-μ)·rstd
      parallel_for(rows, n * 8, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t r = lo; r < hi; ++r) {
          const float* gr = pg + r * n;
          const float* xr = xs + r * n;
          const float m = mu[r], rstd = rs[r];
          const float inv_n = 1.0f / static_cast<float>(n);
          const float mg =
              inv_n * (w ? vec::sum_indexed(n, [gr, w](std::int64_t i) { return gr[i] * w[i]; }) : vec::sum(gr, n));
          const float mgx = inv_n * rstd * vec::sum_indexed(n, [gr, w, xr, m](std::int64_t i) {
                              return (w ? gr[i] * w[i] : gr[i]) * (xr[i] - m);
                            });
          float* out = pdx + r * n;
          for (std::int64_t i = 0; i < n; ++i) {
            const float gh = w ? gr[i] * w[i] : gr[i];
            out[i] = rstd * (gh - mg - (xr[i] - m) * rstd * mgx);
          }
        }
      });
    }
    if (gw || gb) {
      float* pdw = gw ? dw.data<float>() : nullptr;
      float* pdb = gb ? db.data<float>() : nullptr;
      // Threads take disjoint column ranges and walk every row: no races, and
      // each column sums its rows in the same order for any thread count.
      parallel_for(n, rows * 3, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t r = 0; r < rows; ++r) {
          const float* gr = pg + r * n;
          const float* xr = xs + r * n;
          const float m = mu[r], rstd = rs[r];
          if (pdw)
            for (std::int64_t i = lo; i < hi; ++i) pdw[i] += gr[i] * (xr[i] - m) * rstd;
          if (pdb)
            for (std::int64_t i = lo; i < hi; ++i) pdb[i] += gr[i];
        }
      });
    }
    return std::vector<Tensor>{dx, dw, db};
  });
}

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, float momentum, float eps) {
  EMBED_CHECK(x.dtype() == DType::f32 && x.dim() >= 2, "batch_norm needs f32 [N, C, ...], got {}", describe(x));
  const std::int64_t c = x.shape()[1];
  for (const Tensor* p : {&running_mean, &running_var, &weight, &bias})
    EMBED_CHECK(!p->defined() || (p->dtype() == DType::f32 && p->shape() == Shape{c}),
                "batch_norm per-channel tensor {} should be f32 [{}]", describe(*p), c);
  EMBED_CHECK(training || (running_mean.defined() && running_var.defined()),
              "batch_norm in eval mode needs running_mean and running_var");
  Shape channel_shape(x.shape().size(), 1);  // [1, C, 1, ...] broadcasts over x
  channel_shape[1] = c;
  Axes axes{0};
  std::int64_t count = x.shape()[0];
  for (std::int64_t d = 2; d < x.dim(); ++d) {
    axes.push_back(d);
    count *= x.shape()[d];
  }
  Tensor y;
  if (training) {
    EMBED_CHECK(count > 1, "batch_norm in training needs more than one value per channel, got {}", describe(x));
    // Composed from recorded ops, so the backward is the chain rule through
    // the batch statistics.
    const Tensor mu = mean(x, axes, true);
    const Tensor centred = sub(x, mu);
    const Tensor v = mean(mul(centred, centred), axes, true);
    y = mul(centred, pow(add(v, eps), -0.5f));
    if (running_mean.defined() && running_var.defined()) {
      NoGradGuard no_grad;
      const Tensor mu_c = mu.contiguous(), v_c = v.contiguous();
      const float* pm = mu_c.data<float>();
      const float* pv = v_c.data<float>();
      float* rm = running_mean.data<float>();
      float* rv = running_var.data<float>();
      const float unbias = static_cast<float>(count) / static_cast<float>(count - 1);
      for (std::int64_t i = 0; i < c; ++i) {
        rm[i] = (1.0f - momentum) * rm[i] + momentum * pm[i];
        rv[i] = (1.0f - momentum) * rv[i] + momentum * pv[i] * unbias;
      }
    }
  } else {
    const Tensor rm = reshape(running_mean.detach(), channel_shape);
    const Tensor rstd = pow(add(reshape(running_var.detach(), channel_shape), eps), -0.5f);
    y = mul(sub(x, rm), rstd);
  }
  if (weight.defined()) y = mul(y, reshape(weight, channel_shape));
  if (bias.defined()) y = add(y, reshape(bias, channel_shape));
  return y;
}

Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps) {
  EMBED_CHECK(x.dtype() == DType::f32 && x.dim() >= 1, "rms_norm needs f32 of rank >= 1, got {}", describe(x));
  // Composed from recorded ops: the backward follows from the chain rule.
  const Tensor r = pow(add(mean(mul(x, x), {-1}, true), eps), -0.5f);
  Tensor y = mul(x, r);
  if (weight.defined()) {
    EMBED_CHECK(weight.shape() == Shape{x.shape().back()}, "rms_norm weight {} should be [{}]", describe(weight),
                x.shape().back());
    y = mul(y, weight);
  }
  return y;
}

Tensor dropout(const Tensor& x, float p, bool training, Generator& gen) {
  EMBED_CHECK(p >= 0.0f && p <= 1.0f, "dropout probability must be in [0, 1], got {}", p);
  if (!training || p == 0.0f) return x;
  Tensor mask = Tensor::empty(x.shape());
  float* pm = mask.data<float>();
  const float scale = p == 1.0f ? 0.0f : 1.0f / (1.0f - p);
  for (std::int64_t i = 0, n = mask.numel(); i < n; ++i) pm[i] = gen.uniform() < p ? 0.0f : scale;
  return mul(x, mask);
}

Tensor embedding(const Tensor& ids, const Tensor& weight, std::int64_t padding_idx, bool sparse_grad) {
  EMBED_CHECK(ids.dtype() == DType::i64 || ids.dtype() == DType::i32, "embedding ids must be i32 or i64, got {}",
              describe(ids));
  EMBED_CHECK(weight.dtype() == DType::f32 && weight.dim() == 2, "embedding weight must be f32 [num, dim], got {}",
              describe(weight));
  const Tensor idx = ids.to(DType::i64).contiguous();
  const std::int64_t num = weight.shape()[0], dim = weight.shape()[1];
  const auto* pi = idx.data<std::int64_t>();
  for (std::int64_t i = 0; i < idx.numel(); ++i)
    EMBED_CHECK(pi[i] >= 0 && pi[i] < num, "embedding id {} at position {} is outside [0, {})", pi[i], i, num);
  Shape shape = ids.shape();
  shape.push_back(dim);
  Tensor out = Tensor::empty(shape);
  const Tensor wc = weight.detach().contiguous();
  const float* pw = wc.data<float>();
  float* po = out.data<float>();
  parallel_for(idx.numel(), dim, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) std::copy_n(pw + pi[i] * dim, dim, po + i * dim);
  });
  return record(out, "embedding", {Tensor(), weight}, [idx, num, dim, padding_idx, sparse_grad](const Tensor& g_in) {
    const Tensor g = g_in.contiguous();
    const auto* ids_p = idx.data<std::int64_t>();
    const float* pg = g.data<float>();
    if (sparse_grad) {
      // Only the rows looked up (padding excluded), summed per id.
      std::vector<std::int64_t> keep;
      for (std::int64_t i = 0; i < idx.numel(); ++i)
        if (ids_p[i] != padding_idx) keep.push_back(i);
      const auto k = static_cast<std::int64_t>(keep.size());
      Tensor rows = Tensor::empty({k}, DType::i64), values = Tensor::empty({k, dim});
      for (std::int64_t j = 0; j < k; ++j) {
        rows.data<std::int64_t>()[j] = ids_p[keep[j]];
        std::copy_n(pg + keep[j] * dim, dim, values.data<float>() + j * dim);
      }
      return std::vector<Tensor>{Tensor(), coalesce_rows(rows, values, num)};
    }
    // Scatter-add each output row's gradient into its id's row.
    Tensor dw = Tensor::zeros({num, dim});
    float* pd = dw.data<float>();
    for (std::int64_t i = 0; i < idx.numel(); ++i) {
      if (ids_p[i] == padding_idx) continue;
      float* row = pd + ids_p[i] * dim;
      const float* gr = pg + i * dim;
      for (std::int64_t j = 0; j < dim; ++j) row[j] += gr[j];
    }
    return std::vector<Tensor>{Tensor(), dw};
  });
}

}  // namespace embed
