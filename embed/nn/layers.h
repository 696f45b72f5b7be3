// Basic layers. Initialisation follows PyTorch's defaults so that models can be
// compared, but the random stream is ours (a Generator), so tests copy weights
// across instead of relying on equal draws. Parameter and buffer names are
// PyTorch's, so state dicts map one to one.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "embed/core/rng.h"
#include "embed/nn/module.h"

namespace embed::nn {

// y = x·Wᵀ + b; W, b ~ U(-1/√in, 1/√in) (PyTorch's kaiming_uniform(a=√5) bound).
class Linear : public Unary {
 public:
  Linear(std::int64_t in, std::int64_t out, bool bias, Generator& gen);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
};

// Rows of a [num, dim] table, N(0, 1) initialised; padding row zeroed.
// sparse_grad: the weight's gradient is row-sparse (SGD without momentum and
// SparseAdam then update only the rows a batch used).
class Embedding : public Unary {
 public:
  Embedding(std::int64_t num, std::int64_t dim, Generator& gen, std::int64_t padding_idx = -1,
            bool sparse_grad = false);
  Tensor forward(const Tensor& ids) override;
  Tensor weight;
  std::int64_t padding_idx;
  bool sparse_grad;
};

class LayerNorm : public Unary {
 public:
  explicit LayerNorm(std::int64_t dim, float eps = 1e-5f);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
  float eps;
};

// Per-channel batch normalisation of [N, C] / [N, C, L] (BatchNorm1d) or
// [N, C, H, W] (BatchNorm2d). Batch statistics while training (updating the
// running ones), running statistics in eval mode.
class BatchNorm : public Unary {
 public:
  BatchNorm(std::int64_t channels, std::vector<std::int64_t> accepted_ranks, float eps = 1e-5f, float momentum = 0.1f);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;
  float eps, momentum;

 private:
  std::vector<std::int64_t> ranks_;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(std::int64_t channels, float eps_ = 1e-5f, float momentum_ = 0.1f)
      : BatchNorm(channels, {2, 3}, eps_, momentum_) {}
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(std::int64_t channels, float eps_ = 1e-5f, float momentum_ = 0.1f)
      : BatchNorm(channels, {4}, eps_, momentum_) {}
};

// Inverted dropout while training, identity in eval mode. Owns its random stream.
class Dropout : public Unary {
 public:
  explicit Dropout(float p, std::uint64_t seed = 0);
  Tensor forward(const Tensor& x) override;
  float p;

 private:
  Generator gen_;
};

// A parameter-free elementwise function as a module, for Sequential.
class Activation : public Unary {
 public:
  enum class Kind { relu, gelu, gelu_tanh, silu, tanh, sigmoid };
  explicit Activation(Kind kind_) : kind(kind_) {}
  Tensor forward(const Tensor& x) override;
  Kind kind;
};

// Merges axes start..end into one (PyTorch's nn.Flatten: from axis 1 by default).
class Flatten : public Unary {
 public:
  explicit Flatten(std::int64_t start_ = 1, std::int64_t end_ = -1) : start(start_), end(end_) {}
  Tensor forward(const Tensor& x) override;
  std::int64_t start, end;
};

// Applies its modules in order; children are named "0", "1", ... as in PyTorch.
class Sequential : public Unary {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Unary>> layers);
  Sequential& add(std::shared_ptr<Unary> layer);
  Tensor forward(const Tensor& x) override;
  std::size_t size() const { return layers_.size(); }
  Unary& operator[](std::size_t i) { return *layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Unary>> layers_;
};

}  // namespace embed::nn
