// Optimizers with PyTorch's update rules (torch.optim, single-tensor path), so
// the same gradients give the same parameters. Updates run without autograd.
#pragma once

#include <vector>

#include "embed/core/tensor.h"

namespace embed::nn {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params, float lr);
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  void zero_grad();
  void set_lr(float lr) { lr_ = lr; }
  float lr() const { return lr_; }

 protected:
  std::vector<Tensor> params_;
  float lr_;
};

struct SGDOptions {
  float lr = 0.01f, momentum = 0.0f, dampening = 0.0f, weight_decay = 0.0f;
  bool nesterov = false;
};
// g ← g + λp; b ← μb + (1-τ)g (b = g at the first step); g ← g + μb (nesterov) or b; p ← p - ηg.
// With a row-sparse gradient and no momentum or decay, only the rows it holds move.
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  void step() override;

 private:
  SGDOptions opt_;
  std::vector<Tensor> momentum_;
};

struct AdamOptions {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.0f;
  bool decoupled = false;  // true: AdamW (Loshchilov & Hutter 2019), p ← p(1 - ηλ) before the step
};
// m ← β1m + (1-β1)g; v ← β2v + (1-β2)g²; p ← p - η/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε) (Kingma & Ba 2015)
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options);
  void step() override;

 private:
  AdamOptions opt_;
  std::vector<Tensor> m_, v_;
  std::int64_t t_ = 0;
};

struct SparseAdamOptions {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
};
// PyTorch's SparseAdam, a "lazy" Adam for row-sparse gradients (embedding
// tables): only the rows present in a step's gradient update their moments
// and values: m_r ← β1m_r + (1-β1)g_r; v_r ← β2v_r + (1-β2)g_r²;
// p_r ← p_r - η·√(1-β2ᵗ)/(1-β1ᵗ) · m_r / (√v_r + ε), t = this parameter's step count.
class SparseAdam : public Optimizer {
 public:
  SparseAdam(std::vector<Tensor> params, SparseAdamOptions options);
  void step() override;

 private:
  SparseAdamOptions opt_;
  std::vector<Tensor> m_, v_;
  std::vector<std::int64_t> t_;
};

// Scales all gradients by max_norm / (‖g‖ + 1e-6) when the global L2 norm ‖g‖
// exceeds max_norm, as torch.nn.utils.clip_grad_norm_. Returns ‖g‖.
float clip_grad_norm(const std::vector<Tensor>& params, float max_norm);

// Learning-rate multipliers for step t (0-based).
// Linear warmup over `warmup` steps, then linear or cosine decay to 0 at `total`.
float warmup_linear(std::int64_t t, std::int64_t warmup, std::int64_t total);
float warmup_cosine(std::int64_t t, std::int64_t warmup, std::int64_t total);
// gamma^(t / step_size), as torch.optim.lr_scheduler.StepLR.
float step_decay(std::int64_t t, std::int64_t step_size, float gamma);

}  // namespace embed::nn
