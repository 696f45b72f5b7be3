// Branch-free float32 exp, tanh and erfc that the compiler vectorises when
// they are called in a loop (libm's scalar versions are not vectorised
// without -ffast-math). Errors, measured against double-precision libm over
// [-100, 100] in tests/core/vec_math_test.cpp:
//   exp  (Cephes expf: Cody-Waite reduction, degree-6 polynomial)   ≤ 2 ulp
//   tanh (Cephes tanhf polynomial below 0.625, 1 - 2/(e^2x + 1) above) ≤ 2e-7 absolute
//   erfc (Abramowitz & Stegun 7.1.26)    ≤ 6e-7 absolute (1.5e-7 of it the formula's, the rest rounding)
// exp returns 0 below -86.6 (where the result would be near-subnormal) and
// +inf above ln(FLT_MAX) = 88.72; NaN stays NaN.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace embed::vec {

inline float exp(float x) {
  // Above kLo the result is a normal float. Clamping at 89 (past ln(FLT_MAX)
  // = 88.72) lets p·2^n overflow to +inf by itself for large x.
  constexpr float kLo = -86.6f, kHi = 89.0f;
  const float xc = x != x ? 0.0f : std::min(std::max(x, kLo), kHi);
  // n = round(x / ln2) by the 1.5·2^23 trick: std::floor does not vectorise
  // under GCC's default -ftrapping-math.
  constexpr float kRound = 12582912.0f;
  const float n = (xc * 1.44269504088896341f + kRound) - kRound;
  // r = x - n·ln2 in two parts, so r keeps its low bits
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // 2^n as 2 · 2^(n-1): n reaches 128 just below kHi, one past the largest exponent
  const float half_scale = std::bit_cast<float>((static_cast<std::int32_t>(n) + 126) << 23);
  float y = p * half_scale * 2.0f;
  y = x < kLo ? 0.0f : y;
  return x != x ? x : y;
}

inline float tanh(float x) {
  const float a = std::fabs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = x + x * z * p;
  const float large = std::copysign(1.0f - 2.0f / (exp(2.0f * a) + 1.0f), x);
  return a < 0.625f ? small : large;
}

// erfc by Abramowitz & Stegun 7.1.26: erfc(z) = t·P(t)·exp(-z²), t = 1/(1 + p·z)
// for z ≥ 0, with |error| ≤ 1.5e-7 (absolute), and erfc(-z) = 2 - erfc(z).
// PyTorch's vectorised float erf uses the same approximation, so GELU agrees
// with it to rounding. (Numerical Recipes' 10-term fit is more accurate in the
// far tail but was 1.7x slower here, and GELU's tolerance is absolute there.)
inline float erfc(float x) {
  const float z = std::fabs(x);
  const float t = 1.0f / (1.0f + 0.3275911f * z);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const float r = p * t * exp(-z * z);
  return x < 0.0f ? 2.0f - r : r;
}

// Σ term(i) for i < n. Blocks of 512 are summed in float across SIMD lanes
// (omp simd lets the compiler reassociate them) and the block sums are added
// in double: near-double accuracy for long rows at vector speed. term may
// also store (softmax writes exp while summing it).
template <typename Term>
inline float sum_indexed(std::int64_t n, Term term) {
  constexpr std::int64_t kBlock = 512;
  double total = 0.0;
  for (std::int64_t b = 0; b < n; b += kBlock) {
    const std::int64_t e = std::min(n, b + kBlock);
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (std::int64_t i = b; i < e; ++i) s += term(i);
    total += s;
  }
  return static_cast<float>(total);
}

template <typename F>
inline float sum_of(const float* x, std::int64_t n, F f) {
  return sum_indexed(n, [x, f](std::int64_t i) { return f(x[i]); });
}

inline float sum(const float* x, std::int64_t n) {
  return sum_of(x, n, [](float v) { return v; });
}

// max(x[0..n)); -inf for n = 0. NaN handling is the caller's. Sixteen
// independent running maxima vectorise (an omp simd max reduction did not:
// it ran 7x slower than this).
inline float max(const float* x, std::int64_t n) {
  constexpr std::int64_t kLanes = 16;
  float lanes[kLanes];
  std::fill_n(lanes, kLanes, -std::numeric_limits<float>::infinity());
  const std::int64_t full = n - n % kLanes;
  for (std::int64_t b = 0; b < full; b += kLanes)
    for (std::int64_t j = 0; j < kLanes; ++j) lanes[j] = lanes[j] > x[b + j] ? lanes[j] : x[b + j];
  float m = -std::numeric_limits<float>::infinity();
  for (std::int64_t i = full; i < n; ++i) m = m > x[i] ? m : x[i];
  for (float v : lanes) m = m > v ? m : v;
  return m;
}

}  // namespace embed::vec
