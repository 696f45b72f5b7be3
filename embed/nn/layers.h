// Basic layers. Initialisation follows PyTorch's defaults so that models can be
// compared, but the random stream is ours (a Generator), so tests copy weights
// across instead of relying on equal draws.
#pragma once

#include "embed/core/rng.h"
#include "embed/nn/module.h"

namespace embed::nn {

// y = x·Wᵀ + b; W, b ~ U(-1/√in, 1/√in) (PyTorch's kaiming_uniform(a=√5) bound).
class Linear : public Module {
 public:
  Linear(std::int64_t in, std::int64_t out, bool bias, Generator& gen);
  Tensor forward(const Tensor& x) const;
  Tensor weight, bias;
};

// Rows of a [num, dim] table, N(0, 1) initialised; padding row zeroed.
class Embedding : public Module {
 public:
  Embedding(std::int64_t num, std::int64_t dim, Generator& gen, std::int64_t padding_idx = -1);
  Tensor forward(const Tensor& ids) const;
  Tensor weight;
  std::int64_t padding_idx;
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(std::int64_t dim, float eps = 1e-5f);
  Tensor forward(const Tensor& x) const;
  Tensor weight, bias;
  float eps;
};

}  // namespace embed::nn
