#include "embed/nn/layers.h"

#include <cmath>

#include "embed/core/ops/matmul.h"
#include "embed/core/ops/nn.h"

namespace embed::nn {

Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias, Generator& gen) {
  EMBED_CHECK(in > 0 && out > 0, "Linear sizes must be positive, got {} -> {}", in, out);
  const float bound = 1.0f / std::sqrt(static_cast<float>(in));
  weight = register_parameter("weight", Tensor::uniform({out, in}, -bound, bound, gen));
  if (with_bias) bias = register_parameter("bias", Tensor::uniform({out}, -bound, bound, gen));
}

Tensor Linear::forward(const Tensor& x) const { return linear(x, weight, bias); }

Embedding::Embedding(std::int64_t num, std::int64_t dim, Generator& gen, std::int64_t padding) : padding_idx(padding) {
  EMBED_CHECK(num > 0 && dim > 0, "Embedding sizes must be positive, got {} x {}", num, dim);
  EMBED_CHECK(padding < num, "padding_idx {} outside [0, {})", padding, num);
  Tensor w = Tensor::randn({num, dim}, gen);
  if (padding >= 0) std::fill_n(w.data<float>() + padding * dim, dim, 0.0f);
  weight = register_parameter("weight", w);
}

Tensor Embedding::forward(const Tensor& ids) const { return embedding(ids, weight, padding_idx); }

LayerNorm::LayerNorm(std::int64_t dim, float eps_) : eps(eps_) {
  weight = register_parameter("weight", Tensor::ones({dim}));
  bias = register_parameter("bias", Tensor::zeros({dim}));
}

Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm(x, {weight.shape()[0]}, weight, bias, eps); }

}  // namespace embed::nn
