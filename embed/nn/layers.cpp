#include "embed/nn/layers.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "embed/core/ops/elementwise.h"
#include "embed/core/ops/matmul.h"
#include "embed/core/ops/nn.h"
#include "embed/core/ops/shape.h"

namespace embed::nn {

Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias, Generator& gen) {
  EMBED_CHECK(in > 0 && out > 0, "Linear sizes must be positive, got {} -> {}", in, out);
  const float bound = 1.0f / std::sqrt(static_cast<float>(in));
  weight = register_parameter("weight", Tensor::uniform({out, in}, -bound, bound, gen));
  if (with_bias) bias = register_parameter("bias", Tensor::uniform({out}, -bound, bound, gen));
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

Embedding::Embedding(std::int64_t num, std::int64_t dim, Generator& gen, std::int64_t padding, bool sparse)
    : padding_idx(padding), sparse_grad(sparse) {
  EMBED_CHECK(num > 0 && dim > 0, "Embedding sizes must be positive, got {} x {}", num, dim);
  EMBED_CHECK(padding < num, "padding_idx {} outside [0, {})", padding, num);
  Tensor w = Tensor::randn({num, dim}, gen);
  if (padding >= 0) std::fill_n(w.data<float>() + padding * dim, dim, 0.0f);
  weight = register_parameter("weight", w);
}

Tensor Embedding::forward(const Tensor& ids) { return embedding(ids, weight, padding_idx, sparse_grad); }

LayerNorm::LayerNorm(std::int64_t dim, float eps_) : eps(eps_) {
  weight = register_parameter("weight", Tensor::ones({dim}));
  bias = register_parameter("bias", Tensor::zeros({dim}));
}

Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, {weight.shape()[0]}, weight, bias, eps); }

BatchNorm::BatchNorm(std::int64_t channels, std::vector<std::int64_t> accepted_ranks, float eps_, float momentum_)
    : eps(eps_), momentum(momentum_), ranks_(std::move(accepted_ranks)) {
  EMBED_CHECK(channels > 0, "BatchNorm needs a positive channel count, got {}", channels);
  weight = register_parameter("weight", Tensor::ones({channels}));
  bias = register_parameter("bias", Tensor::zeros({channels}));
  running_mean = register_buffer("running_mean", Tensor::zeros({channels}));
  running_var = register_buffer("running_var", Tensor::ones({channels}));
  num_batches_tracked = register_buffer("num_batches_tracked", Tensor::zeros({}, DType::i64));
}

Tensor BatchNorm::forward(const Tensor& x) {
  EMBED_CHECK(std::find(ranks_.begin(), ranks_.end(), x.dim()) != ranks_.end(),
              "BatchNorm over {} channels got {} (rank {} is not accepted)", weight.shape()[0], describe(x), x.dim());
  if (training()) ++num_batches_tracked.data<std::int64_t>()[0];
  return batch_norm(x, running_mean, running_var, weight, bias, training(), momentum, eps);
}

Dropout::Dropout(float p_, std::uint64_t seed) : p(p_), gen_(seed) {
  EMBED_CHECK(p >= 0.0f && p <= 1.0f, "Dropout probability must be in [0, 1], got {}", p);
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, training(), gen_); }

Tensor Activation::forward(const Tensor& x) {
  switch (kind) {
    case Kind::relu: return relu(x);
    case Kind::gelu: return gelu(x, GeluApprox::none);
    case Kind::gelu_tanh: return gelu(x, GeluApprox::tanh);
    case Kind::silu: return silu(x);
    case Kind::tanh: return embed::tanh(x);
    case Kind::sigmoid: return sigmoid(x);
  }
  throw InvalidArgument("unknown activation");
}

Tensor Flatten::forward(const Tensor& x) { return flatten(x, start, end); }

Sequential::Sequential(std::vector<std::shared_ptr<Unary>> layers) {
  for (auto& l : layers) add(std::move(l));
}

Sequential& Sequential::add(std::shared_ptr<Unary> layer) {
  EMBED_CHECK(layer != nullptr, "Sequential cannot hold an empty module");
  layers_.push_back(register_module(std::to_string(layers_.size()), std::move(layer)));
  return *this;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& l : layers_) h = l->forward(h);
  return h;
}

}  // namespace embed::nn
