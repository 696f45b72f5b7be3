#include "embed/nn/optim.h"

#include <cmath>

#include "embed/core/autograd.h"

namespace embed::nn {

Optimizer::Optimizer(std::vector<Tensor> params, float lr) : params_(std::move(params)), lr_(lr) {
  EMBED_CHECK(lr >= 0.0f, "learning rate must be >= 0, got {}", lr);
  for (const Tensor& p : params_)
    EMBED_CHECK(p.requires_grad() && p.is_leaf() && p.is_contiguous(),
                "optimizer parameters must be contiguous leaf tensors requiring grad, got {}", describe(p));
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

SGD::SGD(std::vector<Tensor> params, SGDOptions o) : Optimizer(std::move(params), o.lr), opt_(o) {
  EMBED_CHECK(!o.nesterov || (o.momentum > 0.0f && o.dampening == 0.0f),
              "nesterov needs momentum > 0 and zero dampening");
  momentum_.resize(params_.size());
}

void SGD::step() {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor g_t = params_[i].grad();
    if (!g_t.defined()) continue;
    const Tensor gc = g_t.contiguous();
    float* p = params_[i].data<float>();
    const float* g = gc.data<float>();
    const std::int64_t n = params_[i].numel();
    const bool first = !momentum_[i].defined();
    if (opt_.momentum != 0.0f && first) momentum_[i] = Tensor::zeros(params_[i].shape());
    float* b = opt_.momentum != 0.0f ? momentum_[i].data<float>() : nullptr;
    for (std::int64_t j = 0; j < n; ++j) {
      float d = g[j] + opt_.weight_decay * p[j];
      if (b) {
        b[j] = first ? d : opt_.momentum * b[j] + (1.0f - opt_.dampening) * d;
        d = opt_.nesterov ? d + opt_.momentum * b[j] : b[j];
      }
      p[j] -= lr_ * d;
    }
  }
}

Adam::Adam(std::vector<Tensor> params, AdamOptions o) : Optimizer(std::move(params), o.lr), opt_(o) {
  EMBED_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, "Adam betas must be in [0, 1)");
  for (const Tensor& p : params_) {
    m_.push_back(Tensor::zeros(p.shape()));
    v_.push_back(Tensor::zeros(p.shape()));
  }
}

void Adam::step() {
  NoGradGuard no_grad;
  ++t_;
  const float bc1 = 1.0f - std::pow(opt_.beta1, static_cast<float>(t_));
  const float bc2_sqrt = std::sqrt(1.0f - std::pow(opt_.beta2, static_cast<float>(t_)));
  const float step_size = lr_ / bc1;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor g_t = params_[i].grad();
    if (!g_t.defined()) continue;
    const Tensor gc = g_t.contiguous();
    float* p = params_[i].data<float>();
    const float* g = gc.data<float>();
    float* m = m_[i].data<float>();
    float* v = v_[i].data<float>();
    for (std::int64_t j = 0, n = params_[i].numel(); j < n; ++j) {
      float d = g[j];
      if (opt_.decoupled) {
        p[j] *= 1.0f - lr_ * opt_.weight_decay;
      } else {
        d += opt_.weight_decay * p[j];
      }
      m[j] = opt_.beta1 * m[j] + (1.0f - opt_.beta1) * d;
      v[j] = opt_.beta2 * v[j] + (1.0f - opt_.beta2) * d * d;
      p[j] -= step_size * m[j] / (std::sqrt(v[j]) / bc2_sqrt + opt_.eps);
    }
  }
}

float clip_grad_norm(const std::vector<Tensor>& params, float max_norm) {
  double total = 0.0;
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    for (float v : g.to_vector<float>()) total += static_cast<double>(v) * v;
  }
  const auto norm = static_cast<float>(std::sqrt(total));
  const float coef = max_norm / (norm + 1e-6f);
  if (coef < 1.0f) {
    for (const Tensor& p : params) {
      Tensor g = p.grad();
      if (!g.defined()) continue;
      g = g.contiguous();
      float* d = g.data<float>();
      for (std::int64_t j = 0; j < g.numel(); ++j) d[j] *= coef;
      p.set_grad(g);
    }
  }
  return norm;
}

float warmup_linear(std::int64_t t, std::int64_t warmup, std::int64_t total) {
  if (t < warmup) return static_cast<float>(t) / static_cast<float>(std::max<std::int64_t>(1, warmup));
  return std::max(0.0f, static_cast<float>(total - t) / static_cast<float>(std::max<std::int64_t>(1, total - warmup)));
}

float warmup_cosine(std::int64_t t, std::int64_t warmup, std::int64_t total) {
  if (t < warmup) return static_cast<float>(t) / static_cast<float>(std::max<std::int64_t>(1, warmup));
  const double progress =
      std::min(1.0, static_cast<double>(t - warmup) / static_cast<double>(std::max<std::int64_t>(1, total - warmup)));
  return static_cast<float>(0.5 * (1.0 + std::cos(M_PI * progress)));
}

float step_decay(std::int64_t t, std::int64_t step_size, float gamma) {
  EMBED_CHECK(step_size > 0, "step_size must be positive, got {}", step_size);
  return std::pow(gamma, static_cast<float>(t / step_size));
}

}  // namespace embed::nn
