#include "embed/nn/attention.h"

#include <cmath>
#include <limits>

#include "embed/core/autograd.h"
#include "embed/core/ops/elementwise.h"
#include "embed/core/ops/matmul.h"
#include "embed/core/ops/nn.h"
#include "embed/core/ops/reduce.h"
#include "embed/core/ops/shape.h"

namespace embed::nn {

MultiHeadAttention::MultiHeadAttention(std::int64_t dim, std::int64_t heads, Generator& gen, bool bias, float dropout,
                                       std::uint64_t dropout_seed)
    : embed_dim(dim), num_heads(heads), dropout_p(dropout), dropout_gen_(dropout_seed) {
  EMBED_CHECK(dim > 0 && heads > 0 && dim % heads == 0,
              "MultiHeadAttention: embed_dim {} must be a positive multiple of num_heads {}", dim, heads);
  EMBED_CHECK(dropout >= 0.0f && dropout < 1.0f, "attention dropout must be in [0, 1), got {}", dropout);
  const float xavier = std::sqrt(6.0f / static_cast<float>(dim + 3 * dim));
  in_proj_weight = register_parameter("in_proj_weight", Tensor::uniform({3 * dim, dim}, -xavier, xavier, gen));
  if (bias) in_proj_bias = register_parameter("in_proj_bias", Tensor::zeros({3 * dim}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(dim, dim, bias, gen));
  if (bias) std::fill_n(out_proj->bias.data<float>(), dim, 0.0f);
}

Tensor MultiHeadAttention::mask_for(const AttentionMasks& masks, std::int64_t batch, std::int64_t tq,
                                    std::int64_t tk) const {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  Tensor mask;
  const auto combine = [&mask](const Tensor& m) { mask = mask.defined() ? add(mask, m) : m; };
  if (masks.key_padding.defined()) {
    const Tensor& p = masks.key_padding;
    EMBED_CHECK(p.shape() == Shape({batch, tk}), "key_padding_mask {} should be [{}, {}]", describe(p), batch, tk);
    Tensor m = p.dtype() == DType::f32 ? p.detach().contiguous().clone() : Tensor::zeros({batch, tk});
    if (p.dtype() != DType::f32) {
      const Tensor flags = p.to(DType::i64).contiguous();
      for (std::int64_t i = 0; i < batch * tk; ++i)
        if (flags.data<std::int64_t>()[i] != 0) m.data<float>()[i] = kNegInf;
    }
    combine(reshape(m, {batch, 1, 1, tk}));
  }
  if (masks.causal) {
    Tensor m = Tensor::zeros({tq, tk});
    for (std::int64_t i = 0; i < tq; ++i)
      for (std::int64_t j = i + 1; j < tk; ++j) m.data<float>()[i * tk + j] = kNegInf;
    combine(m);
  }
  if (masks.additive.defined()) {
    const Tensor& a = masks.additive;
    EMBED_CHECK(
        a.dtype() == DType::f32 && (a.shape() == Shape({tq, tk}) || a.shape() == Shape({batch, num_heads, tq, tk})),
        "attention mask {} should be f32 [{}, {}] or [{}, {}, {}, {}]", describe(a), tq, tk, batch, num_heads, tq, tk);
    combine(a.detach());
  }
  return mask;
}

AttentionOutput MultiHeadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                            const AttentionMasks& masks, bool need_weights, bool average_heads) {
  for (const Tensor* t : {&query, &key, &value})
    EMBED_CHECK(t->dtype() == DType::f32 && t->dim() == 3 && t->shape()[2] == embed_dim,
                "attention inputs must be f32 [batch, time, {}], got {}", embed_dim, describe(*t));
  const std::int64_t batch = query.shape()[0], tq = query.shape()[1], tk = key.shape()[1];
  EMBED_CHECK(key.shape()[0] == batch && value.shape()[0] == batch && value.shape()[1] == tk,
              "attention: query {}, key {} and value {} disagree on batch or key length", describe(query),
              describe(key), describe(value));
  const std::int64_t d = embed_dim / num_heads;
  const auto w = split(in_proj_weight, {embed_dim, embed_dim, embed_dim}, 0);
  std::vector<Tensor> b(3);
  if (in_proj_bias.defined()) b = split(in_proj_bias, {embed_dim, embed_dim, embed_dim}, 0);
  // [B, T, E] -> [B, heads, T, d]
  const auto heads = [&](const Tensor& x, int i) {
    return permute(reshape(linear(x, w[i], b[i]), {batch, x.shape()[1], num_heads, d}), {0, 2, 1, 3});
  };
  const Tensor q = heads(query, 0), k = heads(key, 1), v = heads(value, 2);
  const Tensor scores = mul(matmul(q, transpose(k, -1, -2)), 1.0f / std::sqrt(static_cast<float>(d)));
  Tensor weights;
  {
    Tensor mask;
    {
      NoGradGuard no_grad;
      mask = mask_for(masks, batch, tq, tk);
    }
    weights = softmax(scores, -1, mask);
  }
  const Tensor attended = dropout(weights, dropout_p, training(), dropout_gen_);
  const Tensor merged = reshape(permute(matmul(attended, v), {0, 2, 1, 3}), {batch, tq, embed_dim});
  AttentionOutput out;
  out.output = out_proj->forward(merged);
  if (need_weights) out.weights = average_heads ? mean(weights, {1}) : weights;
  return out;
}

}  // namespace embed::nn
