// Reductions over axes. An empty axis list means every axis. keepdim leaves
// reduced axes with size 1, as in PyTorch.
#pragma once

#include <vector>

#include "embed/core/tensor.h"

namespace embed {

using Axes = std::vector<std::int64_t>;

Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdim = false);   // d/dx = 1 (broadcast)
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdim = false);  // d/dx = 1/N
// Values along one axis; the gradient goes to the position argmax/argmin picks
// (the first of equal values).
Tensor max(const Tensor& x, std::int64_t axis, bool keepdim = false);
Tensor min(const Tensor& x, std::int64_t axis, bool keepdim = false);
Tensor max(const Tensor& x);  // of all elements
Tensor min(const Tensor& x);
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdim = false);  // i64
Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdim = false);  // i64
// sum((x - mean)^2) / (N - correction); correction 1 is the unbiased estimate.
Tensor var(const Tensor& x, const Axes& axes = {}, std::int64_t correction = 1, bool keepdim = false);
// (sum |x|^p)^(1/p); p = 2 by default. The gradient at an all-zero slice is 0.
Tensor norm(const Tensor& x, float p = 2.0f, const Axes& axes = {}, bool keepdim = false);
// log(sum(exp(x))) along an axis, computed as m + log(sum(exp(x - m))), m = max.
Tensor logsumexp(const Tensor& x, std::int64_t axis, bool keepdim = false);

// Sums a broadcast gradient back to `shape` (the backward of broadcasting).
Tensor sum_to(const Tensor& g, const Shape& shape);

}  // namespace embed
