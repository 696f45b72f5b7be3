// Convolution layers over [N, C, L] (Conv1d) and [N, C, H, W] (Conv2d), and
// pooling layers for Sequential. Weights [O, C/groups, k...] and bias [O] are
// drawn from U(-1/√fan_in, 1/√fan_in), fan_in = C/groups · Πk, as in PyTorch.
#pragma once

#include "embed/core/ops/conv.h"
#include "embed/core/rng.h"
#include "embed/nn/module.h"

namespace embed::nn {

struct Conv2dOptions {
  Pair stride{1, 1}, padding{0, 0}, dilation{1, 1};
  std::int64_t groups = 1;
  bool bias = true;
};

class Conv2d : public Unary {
 public:
  Conv2d(std::int64_t in, std::int64_t out, Pair kernel, Generator& gen, Conv2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
  Conv2dOptions options;
};

struct Conv1dOptions {
  std::int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
  bool bias = true;
};

class Conv1d : public Unary {
 public:
  Conv1d(std::int64_t in, std::int64_t out, std::int64_t kernel, Generator& gen, Conv1dOptions options = {});
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
  Conv1dOptions options;
};

class MaxPool2d : public Unary {
 public:
  explicit MaxPool2d(Pair kernel_, Pair stride_ = {0, 0}, Pair padding_ = {0, 0})
      : kernel(kernel_), stride(stride_), padding(padding_) {}
  Tensor forward(const Tensor& x) override { return max_pool2d(x, kernel, stride, padding); }
  Pair kernel, stride, padding;
};

class AvgPool2d : public Unary {
 public:
  explicit AvgPool2d(Pair kernel_, Pair stride_ = {0, 0}, Pair padding_ = {0, 0})
      : kernel(kernel_), stride(stride_), padding(padding_) {}
  Tensor forward(const Tensor& x) override { return avg_pool2d(x, kernel, stride, padding); }
  Pair kernel, stride, padding;
};

// Global average pooling is AdaptiveAvgPool2d({1, 1}).
class AdaptiveAvgPool2d : public Unary {
 public:
  explicit AdaptiveAvgPool2d(Pair output_) : output(output_) {}
  Tensor forward(const Tensor& x) override { return adaptive_avg_pool2d(x, output); }
  Pair output;
};

}  // namespace embed::nn
