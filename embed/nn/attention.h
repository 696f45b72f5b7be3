// Multi-head attention (Vaswani et al. 2017), batch-first, with PyTorch's
// parameter layout (in_proj_weight [3E, E] stacking W_q, W_k, W_v;
// in_proj_bias [3E]; out_proj):
//   head_i = softmax(Q_i K_iᵀ / √d + mask) V_i,  d = E / heads
//   out = concat(head_1..head_h) W_oᵀ + b_o
// Masked positions get -inf before the softmax; a query whose keys are all
// masked gets zero weights (PyTorch gives NaN there).
#pragma once

#include <memory>

#include "embed/core/rng.h"
#include "embed/nn/layers.h"

namespace embed::nn {

struct AttentionMasks {
  Tensor key_padding;   // [B, Tk]: integer/u8 nonzero = padding (ignored), or f32 added to the scores
  bool causal = false;  // query i sees keys j <= i
  Tensor additive;      // f32 [Tq, Tk] or [B, heads, Tq, Tk], added to the scores
};

struct AttentionOutput {
  Tensor output;   // [B, Tq, E]
  Tensor weights;  // [B, Tq, Tk] averaged over heads, or [B, heads, Tq, Tk]; empty unless asked
};

class MultiHeadAttention : public Module {
 public:
  // in_proj_weight ~ Xavier-uniform, out_proj.weight ~ U(±1/√E), biases 0 (PyTorch's init).
  MultiHeadAttention(std::int64_t embed_dim, std::int64_t num_heads, Generator& gen, bool bias = true,
                     float dropout = 0.0f, std::uint64_t dropout_seed = 0);
  AttentionOutput forward(const Tensor& query, const Tensor& key, const Tensor& value, const AttentionMasks& masks = {},
                          bool need_weights = false, bool average_heads = true);
  std::int64_t embed_dim, num_heads;
  float dropout_p;
  Tensor in_proj_weight, in_proj_bias;
  std::shared_ptr<Linear> out_proj;

 private:
  Tensor mask_for(const AttentionMasks& masks, std::int64_t batch, std::int64_t tq, std::int64_t tk) const;
  Generator dropout_gen_;
};

}  // namespace embed::nn
