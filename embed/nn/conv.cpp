#include "embed/nn/conv.h"

#include <cmath>

namespace embed::nn {

namespace {

// PyTorch's default, kaiming_uniform(a=√5): weights and biases in ±1/√fan_in.
float fan_in_bound(const Shape& weight_shape) {
  return 1.0f / std::sqrt(static_cast<float>(numel(weight_shape) / weight_shape[0]));
}

void check_channels(const char* layer, std::int64_t in, std::int64_t out, std::int64_t groups) {
  EMBED_CHECK(in > 0 && out > 0 && groups > 0 && in % groups == 0 && out % groups == 0,
              "{}: channels {} -> {} must be positive and divisible by groups = {}", layer, in, out, groups);
}

}  // namespace

Conv2d::Conv2d(std::int64_t in, std::int64_t out, Pair kernel, Generator& gen, Conv2dOptions opts) : options(opts) {
  check_channels("Conv2d", in, out, opts.groups);
  EMBED_CHECK(kernel[0] > 0 && kernel[1] > 0, "Conv2d kernel must be positive, got ({}, {})", kernel[0], kernel[1]);
  const Shape shape{out, in / opts.groups, kernel[0], kernel[1]};
  const float bound = fan_in_bound(shape);
  weight = register_parameter("weight", Tensor::uniform(shape, -bound, bound, gen));
  if (opts.bias) bias = register_parameter("bias", Tensor::uniform({out}, -bound, bound, gen));
}

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

Conv1d::Conv1d(std::int64_t in, std::int64_t out, std::int64_t kernel, Generator& gen, Conv1dOptions opts)
    : options(opts) {
  check_channels("Conv1d", in, out, opts.groups);
  EMBED_CHECK(kernel > 0, "Conv1d kernel must be positive, got {}", kernel);
  const Shape shape{out, in / opts.groups, kernel};
  const float bound = fan_in_bound(shape);
  weight = register_parameter("weight", Tensor::uniform(shape, -bound, bound, gen));
  if (opts.bias) bias = register_parameter("bias", Tensor::uniform({out}, -bound, bound, gen));
}

Tensor Conv1d::forward(const Tensor& x) {
  return conv1d(x, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

}  // namespace embed::nn
