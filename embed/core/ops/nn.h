// Neural-network ops with fused kernels: softmax family, normalisation,
// dropout, embedding lookup.
#pragma once

#include "embed/core/tensor.h"

namespace embed {

class Generator;

// exp(x - max) / Σ exp(x - max) along `axis`. `mask`, when given, is added to x
// first (broadcast; -inf hides a position). A row that is entirely -inf gives 0s.
// d/dx: y ⊙ (g - Σ g⊙y)
Tensor softmax(const Tensor& x, std::int64_t axis = -1, const Tensor& mask = Tensor());
// x - logsumexp(x). d/dx: g - softmax(x) · Σ g
Tensor log_softmax(const Tensor& x, std::int64_t axis = -1, const Tensor& mask = Tensor());

// Normalises over the last `normalized_shape.size()` axes:
// y = (x - μ) / sqrt(σ² + eps) · γ + β with the biased variance (Ba et al. 2016).
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), float eps = 1e-5f);
// Batch normalisation (Ioffe & Szegedy 2015) of x [N, C, ...] per channel C.
// training: normalises with the batch mean and biased variance over every axis
// but 1, and (when running_mean/running_var are given) updates them in place:
// r ← (1 - momentum)·r + momentum·batch statistic, with the unbiased variance,
// as PyTorch does. Otherwise normalises with the running statistics.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = true,
                  float momentum = 0.1f, float eps = 1e-5f);
// y = x / sqrt(mean(x²) + eps) · γ over the last axis (Zhang & Sennrich 2019).
Tensor rms_norm(const Tensor& x, const Tensor& weight = Tensor(), float eps = 1e-6f);

// Zeroes each element with probability p and scales the rest by 1/(1-p) (inverted dropout).
// Identity when !training or p = 0.
Tensor dropout(const Tensor& x, float p, bool training, Generator& gen);

// Rows of `weight` [num, dim] picked by integer `ids` (i32/i64, any shape) -> [..., dim].
// Rows equal to padding_idx (if >= 0) get no gradient. Ids out of range throw.
// The gradient scatter-adds each output row into its id's row: into a dense
// [num, dim] table, or with sparse_grad into a row-sparse one that holds only
// the ids seen (embed/core/row_sparse.h; PyTorch's sparse=True).
Tensor embedding(const Tensor& ids, const Tensor& weight, std::int64_t padding_idx = -1, bool sparse_grad = false);

}  // namespace embed
