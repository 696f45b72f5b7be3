// Loss functions. Reduction: mean over counted elements (default), sum, or none.
#pragma once

#include "embed/core/tensor.h"

namespace embed {

enum class Reduction { mean, sum, none };

// logits [N, C] (or [C]), integer targets [N]. Targets equal to ignore_index
// count neither in the loss nor in the mean. With label smoothing ε the target
// distribution is (1-ε)·onehot + ε/C (Szegedy et al. 2016), as PyTorch.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index = -100,
                     float label_smoothing = 0.0f, Reduction reduction = Reduction::mean);
// -log_probs[i, target_i], same ignore rule.
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, std::int64_t ignore_index = -100,
                Reduction reduction = Reduction::mean);
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
// max(x,0) - x·y + log(1 + exp(-|x|)): stable for any logit.
Tensor bce_with_logits(const Tensor& logits, const Tensor& targets, Reduction reduction = Reduction::mean);
// a·b / max(||a||·||b||, eps) along axis.
Tensor cosine_similarity(const Tensor& a, const Tensor& b, std::int64_t axis = -1, float eps = 1e-8f);

}  // namespace embed
