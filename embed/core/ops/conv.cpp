#include "embed/core/ops/conv.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "embed/core/autograd.h"
#include "embed/core/blas.h"
#include "embed/core/ops/shape.h"
#include "embed/core/parallel.h"

namespace embed {

namespace {

// Sizes of one 2d sliding-window op. Output extent per axis:
// ⌊(in + 2·pad - dil·(k - 1) - 1) / stride⌋ + 1.
struct Window2d {
  std::int64_t h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};

Window2d make_window(const char* op, const Tensor& x, Pair kernel, Pair stride, Pair padding, Pair dilation) {
  for (int a = 0; a < 2; ++a) {
    EMBED_CHECK(kernel[a] > 0 && stride[a] > 0 && dilation[a] > 0 && padding[a] >= 0,
                "{}: kernel, stride and dilation must be positive and padding non-negative, got kernel ({}, {}), "
                "stride ({}, {}), padding ({}, {}), dilation ({}, {})",
                op, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]);
  }
  Window2d g{x.shape()[2], x.shape()[3], kernel[0],   kernel[1],   stride[0], stride[1],
             padding[0],   padding[1],   dilation[0], dilation[1], 0,         0};
  g.oh = (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh + 1;
  g.ow = (g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw + 1;
  EMBED_CHECK(
      g.h + 2 * g.ph >= g.dh * (g.kh - 1) + 1 && g.w + 2 * g.pw >= g.dw * (g.kw - 1) + 1 && g.oh > 0 && g.ow > 0,
      "{}: input {} is smaller than the (dilated) kernel ({}, {}) after padding", op, describe(x), kernel[0],
      kernel[1]);
  return g;
}

void check_rank(const char* op, const Tensor& x, int rank) {
  EMBED_CHECK(x.dtype() == DType::f32 && x.dim() == rank, "{} expects an f32 tensor of rank {}, got {}", op, rank,
              describe(x));
}

// col[(c·kh + i)·kw + j][oy·ow + ox] = x[c][oy·sh - ph + i·dh][ox·sw - pw + j·dw], 0 outside.
void im2col(const float* x, std::int64_t channels, const Window2d& g, float* col) {
  const std::int64_t l = g.oh * g.ow;
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        float* row = col + ((c * g.kh + i) * g.kw + j) * l;
        for (std::int64_t oy = 0; oy < g.oh; ++oy) {
          const std::int64_t iy = oy * g.sh - g.ph + i * g.dh;
          float* out = row + oy * g.ow;
          if (iy < 0 || iy >= g.h) {
            std::fill_n(out, g.ow, 0.0f);
            continue;
          }
          const float* in = x + (c * g.h + iy) * g.w;
          for (std::int64_t ox = 0; ox < g.ow; ++ox) {
            const std::int64_t ix = ox * g.sw - g.pw + j * g.dw;
            out[ox] = ix >= 0 && ix < g.w ? in[ix] : 0.0f;
          }
        }
      }
}

// The adjoint of im2col: adds each column entry back onto its input position.
void col2im(const float* col, std::int64_t channels, const Window2d& g, float* x) {
  const std::int64_t l = g.oh * g.ow;
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const float* row = col + ((c * g.kh + i) * g.kw + j) * l;
        for (std::int64_t oy = 0; oy < g.oh; ++oy) {
          const std::int64_t iy = oy * g.sh - g.ph + i * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          float* in = x + (c * g.h + iy) * g.w;
          const float* src = row + oy * g.ow;
          for (std::int64_t ox = 0; ox < g.ow; ++ox) {
            const std::int64_t ix = ox * g.sw - g.pw + j * g.dw;
            if (ix >= 0 && ix < g.w) in[ix] += src[ox];
          }
        }
      }
}

bool is_pointwise(const Window2d& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
}

// A batch of n images splits into min(threads, n) chunks, so per-chunk
// partial sums reduce in a fixed order.
std::int64_t batch_chunks(std::int64_t n) {
  return std::max<std::int64_t>(1, std::min<std::int64_t>(num_threads(), n));
}

// Runs f(chunk, first_image, end_image) over the chunks of batch_chunks(n).
template <typename F>
void for_batch_chunks(std::int64_t n, std::int64_t cost_per_image, F f) {
  const std::int64_t chunks = batch_chunks(n);
  parallel_for(chunks, n / chunks * cost_per_image, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t t = lo; t < hi; ++t) f(t, n * t / chunks, n * (t + 1) / chunks);
  });
}

Pair default_stride(Pair stride, Pair kernel) {
  return {stride[0] == 0 ? kernel[0] : stride[0], stride[1] == 0 ? kernel[1] : stride[1]};
}

// A 1d op as its 2d form over a height of 1.
template <typename F>
Tensor via_2d(const char* op, const Tensor& x, F f2d) {
  check_rank(op, x, 3);
  return squeeze(f2d(unsqueeze(x, 2)), 2);
}

// One axis of an averaging window: input positions [lo, hi), and the count the
// sum is divided by on this axis.
struct Span {
  std::int64_t lo, hi, count;
};

// Calls f(input offset, output offset, 1 / divisor) for every input position of
// every averaging window: the forward gathers along these pairs, the backward
// scatters along the same ones.
template <typename F>
void for_each_window_cell(std::int64_t planes, std::int64_t h, std::int64_t w, const std::vector<Span>& rows,
                          const std::vector<Span>& cols, F f) {
  const auto oh = static_cast<std::int64_t>(rows.size()), ow = static_cast<std::int64_t>(cols.size());
  parallel_for(planes, h * w + oh * ow, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t p = lo; p < hi; ++p)
      for (std::int64_t oy = 0; oy < oh; ++oy)
        for (std::int64_t ox = 0; ox < ow; ++ox) {
          const Span& r = rows[oy];
          const Span& c = cols[ox];
          const float scale = 1.0f / static_cast<float>(r.count * c.count);
          for (std::int64_t iy = r.lo; iy < r.hi; ++iy)
            for (std::int64_t ix = c.lo; ix < c.hi; ++ix) f((p * h + iy) * w + ix, (p * oh + oy) * ow + ox, scale);
        }
  });
}

// y[p, oy, ox] = Σ over rows[oy] × cols[ox] of x[p] / (rows[oy].count · cols[ox].count).
Tensor average_windows(const char* op, const Tensor& x, const std::vector<Span>& rows, const std::vector<Span>& cols) {
  const Tensor xc = x.detach().contiguous();
  const std::int64_t planes = x.shape()[0] * x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  Tensor y = Tensor::zeros(
      {x.shape()[0], x.shape()[1], static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(cols.size())});
  const float* px = xc.data<float>();
  float* py = y.data<float>();
  for_each_window_cell(planes, h, w, rows, cols,
                       [&](std::int64_t in, std::int64_t out, float scale) { py[out] += px[in] * scale; });
  return record(y, op, {x}, [rows, cols, shape = x.shape(), planes, h, w](const Tensor& g_in) {
    const Tensor g = g_in.contiguous();
    Tensor dx = Tensor::zeros(shape);
    const float* pg = g.data<float>();
    float* pd = dx.data<float>();
    for_each_window_cell(planes, h, w, rows, cols,
                         [&](std::int64_t in, std::int64_t out, float scale) { pd[in] += pg[out] * scale; });
    return std::vector<Tensor>{dx};
  });
}

// PyTorch's avg_pool window on one axis: the padded window sets the divisor
// when count_include_pad, the clipped one otherwise.
std::vector<Span> pool_spans(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t s, std::int64_t p,
                             bool count_include_pad) {
  std::vector<Span> spans(out);
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t start = o * s - p, end = std::min(start + k, in + p);
    const std::int64_t lo = std::max<std::int64_t>(start, 0), hi = std::min(end, in);
    spans[o] = {lo, hi, count_include_pad ? end - start : hi - lo};
  }
  return spans;
}

std::vector<Span> adaptive_spans(std::int64_t in, std::int64_t out) {
  std::vector<Span> spans(out);
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t lo = o * in / out, hi = ((o + 1) * in + out - 1) / out;
    spans[o] = {lo, hi, hi - lo};
  }
  return spans;
}

void check_pool_padding(const char* op, Pair kernel, Pair padding) {
  EMBED_CHECK(padding[0] * 2 <= kernel[0] && padding[1] * 2 <= kernel[1],
              "{}: padding ({}, {}) must be at most half the kernel ({}, {})", op, padding[0], padding[1], kernel[0],
              kernel[1]);
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair stride, Pair padding, Pair dilation,
              std::int64_t groups) {
  check_rank("conv2d", x, 4);
  check_rank("conv2d weight", weight, 4);
  const std::int64_t n = x.shape()[0], c = x.shape()[1], o = weight.shape()[0], cg = weight.shape()[1];
  EMBED_CHECK(groups > 0 && c % groups == 0 && o % groups == 0 && cg == c / groups,
              "conv2d: input {} and weight {} do not agree with groups = {} (weight must be [O, C/groups, kH, kW] "
              "with O and C divisible by groups)",
              describe(x), describe(weight), groups);
  EMBED_CHECK(!bias.defined() || (bias.dtype() == DType::f32 && bias.shape() == Shape{o}),
              "conv2d bias should be f32 [{}], got {}", o, describe(bias));
  const Window2d g = make_window("conv2d", x, {weight.shape()[2], weight.shape()[3]}, stride, padding, dilation);
  const std::int64_t og = o / groups, l = g.oh * g.ow, k = cg * g.kh * g.kw;
  const bool pointwise = is_pointwise(g);
  const Tensor xc = x.detach().contiguous(), wc = weight.detach().contiguous();
  const Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = Tensor::empty({n, o, g.oh, g.ow});
  {
    const float* px = xc.data<float>();
    const float* pw = wc.data<float>();
    float* py = y.data<float>();
    for_batch_chunks(n, o * k * l, [&](std::int64_t, std::int64_t first, std::int64_t last) {
      std::vector<float> col(pointwise ? 0 : static_cast<std::size_t>(c * g.kh * g.kw * l));
      for (std::int64_t b = first; b < last; ++b) {
        const float* img = px + b * c * g.h * g.w;
        if (!pointwise) im2col(img, c, g, col.data());
        const float* src = pointwise ? img : col.data();
        for (std::int64_t q = 0; q < groups; ++q)
          gemm(false, false, og, l, k, 1.0f, pw + q * og * k, k, src + q * k * l, l, 0.0f, py + (b * o + q * og) * l,
               l);
        if (bc.defined())
          for (std::int64_t j = 0; j < o; ++j) {
            float* out = py + (b * o + j) * l;
            const float v = bc.data<float>()[j];
            for (std::int64_t i = 0; i < l; ++i) out[i] += v;
          }
      }
    });
  }
  if (!should_record({&x, &weight, &bias})) return y;
  const bool gx = x.requires_grad(), gw = weight.requires_grad(), gb = bias.defined() && bias.requires_grad();
  return record(y, "conv2d", {x, weight, bias}, [=](const Tensor& g_in) {
    const Tensor gy = g_in.contiguous();
    const float* pg = gy.data<float>();
    const float* px = xc.data<float>();
    const float* pw = wc.data<float>();
    Tensor dx = gx ? Tensor::zeros(xc.shape()) : Tensor();
    std::vector<std::vector<float>> dw_parts(gw ? batch_chunks(n) : 0, std::vector<float>(gw ? o * k : 0, 0.0f));
    for_batch_chunks(n, 2 * o * k * l, [&](std::int64_t t, std::int64_t first, std::int64_t last) {
      std::vector<float> col(pointwise ? 0 : static_cast<std::size_t>(c * g.kh * g.kw * l));
      std::vector<float> dcol(pointwise || !gx ? 0 : static_cast<std::size_t>(c * g.kh * g.kw * l));
      for (std::int64_t b = first; b < last; ++b) {
        const float* gimg = pg + b * o * l;
        if (gw) {
          const float* img = px + b * c * g.h * g.w;
          if (!pointwise) im2col(img, c, g, col.data());
          const float* src = pointwise ? img : col.data();
          for (std::int64_t q = 0; q < groups; ++q)  // dW_q += dY_q · colᵀ_q
            gemm(false, true, og, k, l, 1.0f, gimg + q * og * l, l, src + q * k * l, l, 1.0f,
                 dw_parts[t].data() + q * og * k, k);
        }
        if (gx) {
          float* dimg = dx.data<float>() + b * c * g.h * g.w;
          float* dst = pointwise ? dimg : dcol.data();
          for (std::int64_t q = 0; q < groups; ++q)  // dcol_q = W_qᵀ · dY_q
            gemm(true, false, k, l, og, 1.0f, pw + q * og * k, k, gimg + q * og * l, l, 0.0f, dst + q * k * l, l);
          if (!pointwise) col2im(dcol.data(), c, g, dimg);
        }
      }
    });
    Tensor dw, db;
    if (gw) {
      dw = Tensor::zeros(wc.shape());
      float* pd = dw.data<float>();
      for (const auto& part : dw_parts)
        for (std::int64_t i = 0; i < o * k; ++i) pd[i] += part[i];
    }
    if (gb) {
      db = Tensor::zeros({o});
      float* pd = db.data<float>();
      for (std::int64_t b = 0; b < n; ++b)
        for (std::int64_t j = 0; j < o; ++j) {
          const float* row = pg + (b * o + j) * l;
          float s = 0.0f;
          for (std::int64_t i = 0; i < l; ++i) s += row[i];
          pd[j] += s;
        }
    }
    return std::vector<Tensor>{dx, dw, db};
  });
}

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::int64_t stride, std::int64_t padding,
              std::int64_t dilation, std::int64_t groups) {
  check_rank("conv1d weight", weight, 3);
  return via_2d("conv1d", x, [&](const Tensor& x2) {
    return conv2d(x2, unsqueeze(weight, 2), bias, {1, stride}, {0, padding}, {1, dilation}, groups);
  });
}

Tensor max_pool2d(const Tensor& x, Pair kernel, Pair stride, Pair padding, Pair dilation) {
  check_rank("max_pool2d", x, 4);
  check_pool_padding("max_pool2d", kernel, padding);
  const Window2d g = make_window("max_pool2d", x, kernel, default_stride(stride, kernel), padding, dilation);
  const Tensor xc = x.detach().contiguous();
  const std::int64_t planes = x.shape()[0] * x.shape()[1], hw = g.h * g.w, l = g.oh * g.ow;
  Tensor y = Tensor::empty({x.shape()[0], x.shape()[1], g.oh, g.ow});
  Tensor where = Tensor::empty({planes * l}, DType::i64);  // argmax within the plane, for the backward
  const float* px = xc.data<float>();
  float* py = y.data<float>();
  auto* pi = where.data<std::int64_t>();
  parallel_for(planes, l * g.kh * g.kw, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t p = lo; p < hi; ++p)
      for (std::int64_t oy = 0; oy < g.oh; ++oy)
        for (std::int64_t ox = 0; ox < g.ow; ++ox) {
          float best = -std::numeric_limits<float>::infinity();
          std::int64_t arg = -1;
          for (std::int64_t i = 0; i < g.kh; ++i) {
            const std::int64_t iy = oy * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (std::int64_t j = 0; j < g.kw; ++j) {
              const std::int64_t ix = ox * g.sw - g.pw + j * g.dw;
              if (ix < 0 || ix >= g.w) continue;
              const float v = px[p * hw + iy * g.w + ix];
              if (arg < 0 || v > best || std::isnan(v)) {  // NaN propagates, as in PyTorch
                best = v;
                arg = iy * g.w + ix;
                if (std::isnan(v)) break;
              }
            }
          }
          py[p * l + oy * g.ow + ox] = best;
          pi[p * l + oy * g.ow + ox] = arg;
        }
  });
  return record(y, "max_pool2d", {x}, [where, shape = x.shape(), planes, hw, l](const Tensor& g_in) {
    const Tensor gy = g_in.contiguous();
    Tensor dx = Tensor::zeros(shape);
    const float* pg = gy.data<float>();
    const auto* arg = where.data<std::int64_t>();
    float* pd = dx.data<float>();
    parallel_for(planes, l, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t p = lo; p < hi; ++p)
        for (std::int64_t i = 0; i < l; ++i) pd[p * hw + arg[p * l + i]] += pg[p * l + i];
    });
    return std::vector<Tensor>{dx};
  });
}

Tensor max_pool1d(const Tensor& x, std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                  std::int64_t dilation) {
  return via_2d("max_pool1d", x, [&](const Tensor& x2) {
    return max_pool2d(x2, {1, kernel}, {1, stride == 0 ? kernel : stride}, {0, padding}, {1, dilation});
  });
}

Tensor avg_pool2d(const Tensor& x, Pair kernel, Pair stride_in, Pair padding, bool count_include_pad) {
  check_rank("avg_pool2d", x, 4);
  check_pool_padding("avg_pool2d", kernel, padding);
  const Pair stride = default_stride(stride_in, kernel);
  const Window2d g = make_window("avg_pool2d", x, kernel, stride, padding, {1, 1});
  return average_windows("avg_pool2d", x, pool_spans(g.h, g.oh, g.kh, g.sh, g.ph, count_include_pad),
                         pool_spans(g.w, g.ow, g.kw, g.sw, g.pw, count_include_pad));
}

Tensor avg_pool1d(const Tensor& x, std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                  bool count_include_pad) {
  return via_2d("avg_pool1d", x, [&](const Tensor& x2) {
    return avg_pool2d(x2, {1, kernel}, {1, stride == 0 ? kernel : stride}, {0, padding}, count_include_pad);
  });
}

Tensor adaptive_avg_pool2d(const Tensor& x, Pair output) {
  check_rank("adaptive_avg_pool2d", x, 4);
  EMBED_CHECK(output[0] > 0 && output[1] > 0 && x.shape()[2] > 0 && x.shape()[3] > 0,
              "adaptive_avg_pool2d: output ({}, {}) and the input's spatial size {} must be positive", output[0],
              output[1], describe(x));
  return average_windows("adaptive_avg_pool2d", x, adaptive_spans(x.shape()[2], output[0]),
                         adaptive_spans(x.shape()[3], output[1]));
}

Tensor adaptive_avg_pool1d(const Tensor& x, std::int64_t output) {
  return via_2d("adaptive_avg_pool1d", x, [&](const Tensor& x2) { return adaptive_avg_pool2d(x2, {1, output}); });
}

}  // namespace embed
