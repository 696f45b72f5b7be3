#include "embed/nn/optim.h"

#include <cmath>

#include "embed/core/autograd.h"
#include "embed/core/row_sparse.h"

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

namespace {

// Calls f(row pointer of p, row pointer of the gradient, width) for each row a row-sparse gradient holds.
template <typename F>
void for_each_sparse_row(const Tensor& p, const Tensor& grad, F f) {
  const Tensor ids = row_ids(grad);
  const std::int64_t width = p.shape()[0] == 0 ? 0 : p.numel() / p.shape()[0];
  for (std::int64_t k = 0; k < ids.numel(); ++k) {
    const std::int64_t r = ids.data<std::int64_t>()[k];
    f(r, p.data<float>() + r * width, grad.data<float>() + k * width, width);
  }
}

}  // namespace

void SGD::step() {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor stored = params_[i].stored_grad();
    if (stored.defined() && is_row_sparse(stored) && opt_.momentum == 0.0f && opt_.weight_decay == 0.0f) {
      // Plain SGD on a row-sparse gradient: only the rows it holds move.
      for_each_sparse_row(params_[i], stored, [this](std::int64_t, float* p, const float* g, std::int64_t w) {
        for (std::int64_t j = 0; j < w; ++j) p[j] -= lr_ * g[j];
      });
      continue;
    }
    const Tensor g_t = params_[i].grad();  // dense (momentum and decay touch every row)
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

SparseAdam::SparseAdam(std::vector<Tensor> params, SparseAdamOptions o) : Optimizer(std::move(params), o.lr), opt_(o) {
  EMBED_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, "SparseAdam betas must be in [0, 1)");
  for (const Tensor& p : params_) {
    EMBED_CHECK(p.dim() >= 1, "SparseAdam parameters need a row axis, got {}", describe(p));
    m_.push_back(Tensor::zeros(p.shape()));
    v_.push_back(Tensor::zeros(p.shape()));
  }
  t_.assign(params_.size(), 0);
}

void SparseAdam::step() {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor g = params_[i].stored_grad();
    if (!g.defined()) continue;
    EMBED_CHECK(is_row_sparse(g),
                "SparseAdam needs row-sparse gradients (an embedding with sparse_grad), got a dense one for {}",
                describe(params_[i]));
    const std::int64_t t = ++t_[i];
    const float bc1 = 1.0f - std::pow(opt_.beta1, static_cast<float>(t));
    const float bc2 = 1.0f - std::pow(opt_.beta2, static_cast<float>(t));
    const float step_size = lr_ * std::sqrt(bc2) / bc1;
    const std::int64_t width = params_[i].shape()[0] == 0 ? 0 : params_[i].numel() / params_[i].shape()[0];
    float* m = m_[i].data<float>();
    float* v = v_[i].data<float>();
    for_each_sparse_row(params_[i], g, [&](std::int64_t r, float* p, const float* gr, std::int64_t w) {
      float* mr = m + r * width;
      float* vr = v + r * width;
      for (std::int64_t j = 0; j < w; ++j) {
        mr[j] = opt_.beta1 * mr[j] + (1.0f - opt_.beta1) * gr[j];
        vr[j] = opt_.beta2 * vr[j] + (1.0f - opt_.beta2) * gr[j] * gr[j];
        p[j] -= step_size * mr[j] / (std::sqrt(vr[j]) + opt_.eps);
      }
    });
  }
}

float clip_grad_norm(const std::vector<Tensor>& params, float max_norm) {
  double total = 0.0;
  for (const Tensor& p : params) {
    // A row-sparse gradient's rows are unique, so its values have the dense norm.
    const Tensor g = p.stored_grad();
    if (!g.defined()) continue;
    for (float v : g.to_vector<float>()) total += static_cast<double>(v) * v;
  }
  const auto norm = static_cast<float>(std::sqrt(total));
  const float coef = max_norm / (norm + 1e-6f);
  if (coef < 1.0f) {
    for (const Tensor& p : params) {
      const Tensor g = p.stored_grad();
      if (!g.defined()) continue;
      // Scaled in place: a leaf's gradient buffer is its own (autograd copies
      // anything shared), and a row-sparse one stays sparse.
      EMBED_CHECK(g.is_contiguous(), "clip_grad_norm: gradient {} is not contiguous", describe(g));
      float* d = g.data<float>();
      for (std::int64_t j = 0; j < g.numel(); ++j) d[j] *= coef;
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
