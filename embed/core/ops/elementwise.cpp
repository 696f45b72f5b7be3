#include "embed/core/ops/elementwise.h"

#include <cmath>

#include "embed/core/autograd.h"
#include "embed/core/ops/reduce.h"
#include "embed/core/parallel.h"
#include "embed/core/vec_math.h"

namespace embed {

namespace {

void check_f32(const Tensor& t, const char* op) {
  EMBED_CHECK(t.dtype() == DType::f32, "{} needs f32 input, got {}", op, describe(t));
}

// Strides of `t` seen from an output of rank `rank` and shape `out`: 0 on
// axes that are broadcast.
Shape broadcast_strides(const Tensor& t, const Shape& out) {
  const std::size_t rank = out.size();
  const std::size_t lead = rank - t.shape().size();
  Shape s(rank, 0);
  for (std::size_t d = lead; d < rank; ++d) s[d] = t.shape()[d - lead] == 1 ? 0 : t.strides()[d - lead];
  return s;
}

// out[i] = f(a[i], b[i]) over the broadcast shape.
template <typename F>
Tensor binary_kernel(const Tensor& a, const Tensor& b, const char* op, F f) {
  check_f32(a, op);
  check_f32(b, op);
  const Shape shape = broadcast_shapes(a.shape(), b.shape());
  Tensor out = Tensor::empty(shape);
  float* o = out.data<float>();
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  const std::int64_t n = out.numel();
  if (n == 0) return out;
  if (a.shape() == shape && b.shape() == shape && a.is_contiguous() && b.is_contiguous()) {
    parallel_for(n, 1, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t i = lo; i < hi; ++i) o[i] = f(pa[i], pb[i]);
    });
    return out;
  }
  if (b.numel() == 1 && a.shape() == shape && a.is_contiguous()) {
    const float s = *pb;
    parallel_for(n, 1, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t i = lo; i < hi; ++i) o[i] = f(pa[i], s);
    });
    return out;
  }
  // General case: rows of the innermost axis, offsets recomputed per row.
  const Shape sa = broadcast_strides(a, shape);
  const Shape sb = broadcast_strides(b, shape);
  const std::size_t rank = shape.size();
  const std::int64_t inner = rank ? shape[rank - 1] : 1;
  const std::int64_t ia = rank ? sa[rank - 1] : 0;
  const std::int64_t ib = rank ? sb[rank - 1] : 0;
  parallel_for(n / inner, inner, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t row = lo; row < hi; ++row) {
      std::int64_t oa = 0, ob = 0, rem = row;
      for (std::size_t d = rank - 1; d-- > 0;) {
        const std::int64_t k = rem % shape[d];
        rem /= shape[d];
        oa += k * sa[d];
        ob += k * sb[d];
      }
      float* orow = o + row * inner;
      const float* ra = pa + oa;
      const float* rb = pb + ob;
      // Unit and zero inner strides (the common broadcasts) get loops the compiler vectorises.
      if (ia == 1 && ib == 1) {
        for (std::int64_t j = 0; j < inner; ++j) orow[j] = f(ra[j], rb[j]);
      } else if (ia == 1 && ib == 0) {
        const float vb = *rb;
        for (std::int64_t j = 0; j < inner; ++j) orow[j] = f(ra[j], vb);
      } else if (ia == 0 && ib == 1) {
        const float va = *ra;
        for (std::int64_t j = 0; j < inner; ++j) orow[j] = f(va, rb[j]);
      } else {
        for (std::int64_t j = 0; j < inner; ++j) orow[j] = f(ra[j * ia], rb[j * ib]);
      }
    }
  });
  return out;
}

// y[i] = f(x[i]) for contiguous output.
template <typename F>
Tensor unary_kernel(const Tensor& x, const char* op, F f) {
  check_f32(x, op);
  const Tensor xc = x.is_contiguous() ? x : x.detach().contiguous();
  Tensor out = Tensor::empty(x.shape());
  const float* px = xc.data<float>();
  float* o = out.data<float>();
  parallel_for(out.numel(), 8, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) o[i] = f(px[i]);
  });
  return out;
}

// grad[i] = f(x[i], y[i], g[i]) for the backward of a unary op.
template <typename F>
Tensor unary_grad_kernel(const Tensor& x, const Tensor& y, const Tensor& g, F f) {
  const Tensor gc = g.contiguous();
  Tensor out = Tensor::empty(x.shape());
  const float* px = x.data<float>();
  const float* py = y.data<float>();
  const float* pg = gc.data<float>();
  float* o = out.data<float>();
  parallel_for(out.numel(), 8, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) o[i] = f(px[i], py[i], pg[i]);
  });
  return out;
}

// A unary op with forward f(x) and derivative rule df(x, y, g) = g·dy/dx.
template <typename F, typename DF>
Tensor unary(const Tensor& x, const char* op, F f, DF df) {
  Tensor y = unary_kernel(x, op, f);
  if (!should_record({&x})) return y;
  const Tensor xs = x.detach().contiguous();
  const Tensor ys = y.detach();
  return record(y, op, {x},
                [xs, ys, df](const Tensor& g) { return std::vector<Tensor>{unary_grad_kernel(xs, ys, g, df)}; });
}

constexpr float kInvSqrt2 = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;
constexpr float kSqrt2OverPi = 0.79788456080286535588f;
constexpr float kGeluCoeff = 0.044715f;

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(a, b, "add", [](float x, float y) { return x + y; });
  return record(out, "add", {a, b}, [as = a.shape(), bs = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{sum_to(g, as), sum_to(g, bs)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(a, b, "sub", [](float x, float y) { return x - y; });
  return record(out, "sub", {a, b}, [as = a.shape(), bs = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{sum_to(g, as), neg(sum_to(g, bs))};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(a, b, "mul", [](float x, float y) { return x * y; });
  if (!should_record({&a, &b})) return out;
  const Tensor ad = a.detach(), bd = b.detach();
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(out, "mul", {a, b}, [ad, bd, ga, gb](const Tensor& g) {
    return std::vector<Tensor>{ga ? sum_to(mul(g, bd), ad.shape()) : Tensor(),
                               gb ? sum_to(mul(g, ad), bd.shape()) : Tensor()};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(a, b, "div", [](float x, float y) { return x / y; });
  if (!should_record({&a, &b})) return out;
  const Tensor ad = a.detach(), bd = b.detach();
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(out, "div", {a, b}, [ad, bd, ga, gb](const Tensor& g) {
    Tensor grad_b;
    if (gb) {
      // d(a/b)/db = -a / b^2
      Tensor t = binary_kernel(g, ad, "div", [](float x, float y) { return x * y; });
      t = binary_kernel(t, mul(bd, bd), "div", [](float x, float y) { return -x / y; });
      grad_b = sum_to(t, bd.shape());
    }
    return std::vector<Tensor>{ga ? sum_to(div(g, bd), ad.shape()) : Tensor(), grad_b};
  });
}

Tensor add(const Tensor& a, float b) { return add(a, Tensor::scalar(b)); }
Tensor mul(const Tensor& a, float b) { return mul(a, Tensor::scalar(b)); }

Tensor neg(const Tensor& x) {
  return unary(
      x, "neg", [](float v) { return -v; }, [](float, float, float g) { return -g; });
}

Tensor exp(const Tensor& x) {
  return unary(
      x, "exp", [](float v) { return vec::exp(v); }, [](float, float y, float g) { return g * y; });
}

Tensor log(const Tensor& x) {
  return unary(
      x, "log", [](float v) { return std::log(v); }, [](float v, float, float g) { return g / v; });
}

Tensor sqrt(const Tensor& x) {
  return unary(
      x, "sqrt", [](float v) { return std::sqrt(v); }, [](float, float y, float g) { return g / (2.0f * y); });
}

Tensor abs(const Tensor& x) {
  return unary(
      x, "abs", [](float v) { return std::fabs(v); },
      [](float v, float, float g) { return v > 0 ? g : (v < 0 ? -g : 0.0f); });
}

Tensor pow(const Tensor& x, float p) {
  return unary(
      x, "pow", [p](float v) { return std::pow(v, p); },
      // d(x^p)/dx = p·x^(p-1); p = 0 gives 0 everywhere, as PyTorch.
      [p](float v, float, float g) { return p == 0.0f ? 0.0f : g * p * std::pow(v, p - 1.0f); });
}

Tensor clamp(const Tensor& x, float lo, float hi) {
  EMBED_CHECK(lo <= hi, "clamp bounds lo={} > hi={}", lo, hi);
  return unary(
      x, "clamp", [lo, hi](float v) { return std::min(std::max(v, lo), hi); },
      [lo, hi](float v, float, float g) { return (v >= lo && v <= hi) ? g : 0.0f; });
}

Tensor relu(const Tensor& x) {
  return unary(
      x, "relu", [](float v) { return v > 0.0f ? v : 0.0f; },
      [](float v, float, float g) { return v > 0.0f ? g : 0.0f; });
}

Tensor gelu(const Tensor& x, GeluApprox approx) {
  if (approx == GeluApprox::tanh) {
    return unary(
        x, "gelu_tanh",
        [](float v) { return 0.5f * v * (1.0f + vec::tanh(kSqrt2OverPi * (v + kGeluCoeff * v * v * v))); },
        [](float v, float, float g) {
          const float t = vec::tanh(kSqrt2OverPi * (v + kGeluCoeff * v * v * v));
          const float dinner = kSqrt2OverPi * (1.0f + 3.0f * kGeluCoeff * v * v);
          return g * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * dinner);
        });
  }
  return unary(
      // Φ(x) = erfc(-x/√2)/2 keeps full relative precision in the negative tail.
      x, "gelu", [](float v) { return 0.5f * v * vec::erfc(-v * kInvSqrt2); },
      // d/dx x·Φ(x) = Φ(x) + x·φ(x)
      [](float v, float, float g) {
        const float cdf = 0.5f * vec::erfc(-v * kInvSqrt2);
        const float pdf = kInvSqrt2Pi * vec::exp(-0.5f * v * v);
        return g * (cdf + v * pdf);
      });
}

Tensor silu(const Tensor& x) {
  return unary(
      x, "silu", [](float v) { return v / (1.0f + vec::exp(-v)); },
      [](float v, float, float g) {
        const float s = 1.0f / (1.0f + vec::exp(-v));
        return g * s * (1.0f + v * (1.0f - s));
      });
}

Tensor tanh(const Tensor& x) {
  return unary(
      x, "tanh", [](float v) { return vec::tanh(v); }, [](float, float y, float g) { return g * (1.0f - y * y); });
}

Tensor sigmoid(const Tensor& x) {
  return unary(
      x, "sigmoid",
      // vec::exp saturates to +inf, so 1/(1 + e^-v) is exact at both ends.
      [](float v) { return 1.0f / (1.0f + vec::exp(-v)); }, [](float, float y, float g) { return g * y * (1.0f - y); });
}

Tensor leaky_relu(const Tensor& x, float slope) {
  return unary(
      x, "leaky_relu", [slope](float v) { return v > 0.0f ? v : slope * v; },
      [slope](float v, float, float g) { return v > 0.0f ? g : slope * g; });
}

Tensor elu(const Tensor& x, float alpha) {
  return unary(
      x, "elu", [alpha](float v) { return v > 0.0f ? v : alpha * std::expm1(v); },
      [alpha](float v, float y, float g) { return v > 0.0f ? g : g * (y + alpha); });
}

void add_(Tensor& dst, const Tensor& src) {
  check_f32(dst, "add_");
  check_f32(src, "add_");
  EMBED_CHECK(dst.is_contiguous(), "add_ needs a contiguous destination, got {}", describe(dst));
  EMBED_CHECK(broadcast_shapes(dst.shape(), src.shape()) == dst.shape(), "add_: {} does not broadcast to {}",
              describe(src), describe(dst));
  float* d = dst.data<float>();
  if (src.shape() == dst.shape() && src.is_contiguous()) {
    const float* s = src.data<float>();
    parallel_for(dst.numel(), 1, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t i = lo; i < hi; ++i) d[i] += s[i];
    });
    return;
  }
  NoGradGuard no_grad;
  const Tensor sum = add(dst, src);
  std::copy_n(sum.data<float>(), dst.numel(), d);
}

}  // namespace embed
