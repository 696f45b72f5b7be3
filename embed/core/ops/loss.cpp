#include "embed/core/ops/loss.h"

#include <limits>

#include "embed/core/ops/elementwise.h"
#include "embed/core/ops/nn.h"
#include "embed/core/ops/reduce.h"
#include "embed/core/ops/shape.h"

namespace embed {

namespace {

// One-hot selection weights [N, C] for the targets (zero rows where ignored),
// and the number of counted rows. Built without grad; the losses below are
// composed from recorded ops, so their backward follows from the chain rule.
std::pair<Tensor, std::int64_t> target_weights(const Tensor& scores, const Tensor& targets, std::int64_t ignore) {
  EMBED_CHECK(scores.dim() == 2, "expected scores [N, C], got {}", describe(scores));
  EMBED_CHECK(targets.dtype() == DType::i64 || targets.dtype() == DType::i32, "targets must be i32/i64, got {}",
              describe(targets));
  const std::int64_t n = scores.shape()[0], c = scores.shape()[1];
  EMBED_CHECK(targets.shape() == Shape{n}, "targets {} do not match scores {}", describe(targets), describe(scores));
  const Tensor t = targets.to(DType::i64).contiguous();
  Tensor w = Tensor::zeros({n, c});
  std::int64_t counted = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t k = t.data<std::int64_t>()[i];
    if (k == ignore) continue;
    EMBED_CHECK(k >= 0 && k < c, "target {} at row {} is outside [0, {})", k, i, c);
    w.data<float>()[i * c + k] = 1.0f;
    ++counted;
  }
  return {w, counted};
}

Tensor reduce(const Tensor& per_item, Reduction reduction, std::int64_t count) {
  switch (reduction) {
    case Reduction::none: return per_item;
    case Reduction::sum: return sum(per_item);
    case Reduction::mean:
      // As PyTorch: an all-ignored batch divides 0 by 0 and gives NaN.
      return mul(sum(per_item),
                 count == 0 ? std::numeric_limits<float>::quiet_NaN() : 1.0f / static_cast<float>(count));
  }
  return per_item;
}

}  // namespace

Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, std::int64_t ignore_index, Reduction reduction) {
  auto [w, count] = target_weights(log_probs, targets, ignore_index);
  return reduce(neg(sum(mul(log_probs, w), {1})), reduction, count);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index, float label_smoothing,
                     Reduction reduction) {
  EMBED_CHECK(label_smoothing >= 0.0f && label_smoothing <= 1.0f, "label_smoothing must be in [0, 1], got {}",
              label_smoothing);
  auto [w, count] = target_weights(logits, targets, ignore_index);
  const Tensor lp = log_softmax(logits, 1);
  Tensor per_item = neg(sum(mul(lp, w), {1}));
  if (label_smoothing > 0.0f) {
    // Smoothing term: -Σ_c lp_c / C on counted rows only.
    const Tensor counted = sum(w, {1});
    const Tensor uniform = mul(neg(mean(lp, {1})), counted);
    per_item = add(mul(per_item, 1.0f - label_smoothing), mul(uniform, label_smoothing));
  }
  return reduce(per_item, reduction, count);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  EMBED_CHECK(input.shape() == target.shape(), "mse_loss: input {} and target {} differ", describe(input),
              describe(target));
  const Tensor d = sub(input, target);
  return reduce(mul(d, d), reduction, input.numel());
}

Tensor bce_with_logits(const Tensor& logits, const Tensor& targets, Reduction reduction) {
  EMBED_CHECK(logits.shape() == targets.shape(), "bce_with_logits: logits {} and targets {} differ", describe(logits),
              describe(targets));
  const Tensor per = add(sub(relu(logits), mul(logits, targets)), log(add(exp(neg(abs(logits))), 1.0f)));
  return reduce(per, reduction, logits.numel());
}

Tensor cosine_similarity(const Tensor& a, const Tensor& b, std::int64_t axis, float eps) {
  // a·b / sqrt(max(||a||²·||b||², eps²)), the form PyTorch uses.
  const Tensor dot = sum(mul(a, b), {axis});
  const Tensor w = mul(sum(mul(a, a), {axis}), sum(mul(b, b), {axis}));
  return div(dot, sqrt(clamp(w, eps * eps, std::numeric_limits<float>::max())));
}

}  // namespace embed
