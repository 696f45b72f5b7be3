// Elementwise ops on f32 tensors, with NumPy broadcasting for binary ops.
// Each returns a new contiguous tensor and records its backward rule.
#pragma once

#include "embed/core/tensor.h"

namespace embed {

// --- binary, broadcasting ---
Tensor add(const Tensor& a, const Tensor& b);  // d/da = 1, d/db = 1
Tensor sub(const Tensor& a, const Tensor& b);  // d/da = 1, d/db = -1
Tensor mul(const Tensor& a, const Tensor& b);  // d/da = b, d/db = a
Tensor div(const Tensor& a, const Tensor& b);  // d/da = 1/b, d/db = -a/b^2
Tensor add(const Tensor& a, float b);
Tensor mul(const Tensor& a, float b);

// --- unary ---
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);  // d/dx = sign(x), 0 at 0 (as PyTorch)
Tensor pow(const Tensor& x, float exponent);
Tensor clamp(const Tensor& x, float lo, float hi);  // gradient 1 inside [lo, hi], 0 outside
Tensor relu(const Tensor& x);                       // gradient 0 at x = 0 (as PyTorch)
enum class GeluApprox { none, tanh };
// none: x·Φ(x) with the erf; tanh: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) (Hendrycks & Gimpel 2016)
Tensor gelu(const Tensor& x, GeluApprox approx = GeluApprox::none);
Tensor silu(const Tensor& x);  // x·σ(x)
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor elu(const Tensor& x, float alpha = 1.0f);

// dst += src (src broadcast to dst's shape), without recording. For gradient
// accumulation and optimizer updates. dst must be contiguous f32.
void add_(Tensor& dst, const Tensor& src);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }

}  // namespace embed
