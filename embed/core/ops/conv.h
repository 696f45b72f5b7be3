// Convolution and pooling over [N, C, H, W] (2d) and [N, C, L] (1d) tensors,
// with PyTorch's conventions: cross-correlation, weights [O, C/groups, kH, kW],
// output size ⌊(H + 2p - d(k-1) - 1) / s⌋ + 1.
#pragma once

#include <array>

#include "embed/core/tensor.h"

namespace embed {

using Pair = std::array<std::int64_t, 2>;  // (height, width)

// y[n, o] = b[o] + Σ_c Σ_ij w[o, c, i, j] · x[n, g·C/G + c, s·h - p + d·i, s·w - p + d·j]
// computed as im2col + GEMM per image and group; the backward is GEMM + col2im.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Pair stride = {1, 1},
              Pair padding = {0, 0}, Pair dilation = {1, 1}, std::int64_t groups = 1);
// [N, C, L] with weights [O, C/groups, k]: conv2d over a height of 1.
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), std::int64_t stride = 1,
              std::int64_t padding = 0, std::int64_t dilation = 1, std::int64_t groups = 1);

// Max over each window (padding counts as -inf); the gradient goes to the
// first maximal element. stride 0 means stride = kernel.
Tensor max_pool2d(const Tensor& x, Pair kernel, Pair stride = {0, 0}, Pair padding = {0, 0}, Pair dilation = {1, 1});
Tensor max_pool1d(const Tensor& x, std::int64_t kernel, std::int64_t stride = 0, std::int64_t padding = 0,
                  std::int64_t dilation = 1);

// Mean over each window. count_include_pad divides by the full window size
// (PyTorch's default), otherwise by the number of positions inside the input.
Tensor avg_pool2d(const Tensor& x, Pair kernel, Pair stride = {0, 0}, Pair padding = {0, 0},
                  bool count_include_pad = true);
Tensor avg_pool1d(const Tensor& x, std::int64_t kernel, std::int64_t stride = 0, std::int64_t padding = 0,
                  bool count_include_pad = true);

// Output cell i averages input rows ⌊i·H/oh⌋ .. ⌈(i+1)·H/oh⌉ - 1 (and likewise
// for columns), so any input size maps onto a fixed output grid.
Tensor adaptive_avg_pool2d(const Tensor& x, Pair output);
Tensor adaptive_avg_pool1d(const Tensor& x, std::int64_t output);

}  // namespace embed
