#include "embed/nn/rnn.h"

#include <cmath>
#include <string>

#include "embed/core/ops/elementwise.h"
#include "embed/core/ops/matmul.h"
#include "embed/core/ops/nn.h"
#include "embed/core/ops/shape.h"

namespace embed::nn {

Recurrent::Recurrent(Cell cell, std::int64_t input, std::int64_t hidden, Generator& gen, RecurrentOptions opts)
    : input_size(input), hidden_size(hidden), options(opts), cell_(cell), dropout_gen_(opts.dropout_seed) {
  EMBED_CHECK(input > 0 && hidden > 0 && opts.num_layers > 0,
              "recurrent layer sizes must be positive, got input {}, hidden {}, layers {}", input, hidden,
              opts.num_layers);
  EMBED_CHECK(opts.dropout >= 0.0f && opts.dropout < 1.0f, "recurrent dropout must be in [0, 1), got {}", opts.dropout);
  const std::int64_t gates = cell == Cell::gru ? 3 : 4;
  const std::int64_t directions = opts.bidirectional ? 2 : 1;
  const float bound = 1.0f / std::sqrt(static_cast<float>(hidden));
  for (std::int64_t layer = 0; layer < opts.num_layers; ++layer)
    for (std::int64_t d = 0; d < directions; ++d) {
      const std::string suffix = "_l" + std::to_string(layer) + (d == 1 ? "_reverse" : "");
      const std::int64_t in = layer == 0 ? input : hidden * directions;
      Weights w;
      w.w_ih = register_parameter("weight_ih" + suffix, Tensor::uniform({gates * hidden, in}, -bound, bound, gen));
      w.w_hh = register_parameter("weight_hh" + suffix, Tensor::uniform({gates * hidden, hidden}, -bound, bound, gen));
      if (opts.bias) {
        w.b_ih = register_parameter("bias_ih" + suffix, Tensor::uniform({gates * hidden}, -bound, bound, gen));
        w.b_hh = register_parameter("bias_hh" + suffix, Tensor::uniform({gates * hidden}, -bound, bound, gen));
      }
      weights_.push_back(w);
    }
}

namespace {

Tensor step(const Tensor& seq, std::int64_t t) { return squeeze(slice(seq, 1, t, t + 1), 1); }

// Keeps `old` where the step is padding: m ⊙ new + (1 - m) ⊙ old, m [B, 1].
Tensor masked_update(const Tensor& fresh, const Tensor& old, const Tensor& m) {
  return m.defined() ? add(old, mul(m, sub(fresh, old))) : fresh;
}

}  // namespace

Tensor Recurrent::run_direction(const Weights& w, const Tensor& x, Tensor& h, Tensor& c, bool reverse,
                                const Tensor& step_mask) const {
  const std::int64_t steps = x.shape()[1], hs = hidden_size;
  // The input projection of every step in one GEMM; only h·W_hhᵀ stays in the loop.
  const Tensor xi = linear(x, w.w_ih, w.b_ih);
  std::vector<Tensor> outputs(steps);
  for (std::int64_t i = 0; i < steps; ++i) {
    const std::int64_t t = reverse ? steps - 1 - i : i;
    const Tensor gi = step(xi, t);
    const Tensor gh = linear(h, w.w_hh, w.b_hh);
    const Tensor m = step_mask.defined() ? step(step_mask, t) : Tensor();
    if (cell_ == Cell::gru) {
      const auto a = split(gi, {hs, hs, hs}, -1);
      const auto b = split(gh, {hs, hs, hs}, -1);
      const Tensor r = sigmoid(add(a[0], b[0]));
      const Tensor z = sigmoid(add(a[1], b[1]));
      const Tensor n = embed::tanh(add(a[2], mul(r, b[2])));
      h = masked_update(add(n, mul(z, sub(h, n))), h, m);  // (1 - z)·n + z·h
    } else {
      const auto g = split(add(gi, gh), {hs, hs, hs, hs}, -1);
      const Tensor c_new = add(mul(sigmoid(g[1]), c), mul(sigmoid(g[0]), embed::tanh(g[2])));
      const Tensor h_new = mul(sigmoid(g[3]), embed::tanh(c_new));
      c = masked_update(c_new, c, m);
      h = masked_update(h_new, h, m);
    }
    outputs[t] = m.defined() ? mul(h, m) : h;
  }
  return stack(outputs, 1);
}

RecurrentOutput Recurrent::forward(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& lengths) {
  EMBED_CHECK(x.dtype() == DType::f32 && x.dim() == 3 && x.shape()[2] == input_size,
              "recurrent layer expects f32 [batch, time, {}], got {}", input_size, describe(x));
  const std::int64_t batch = x.shape()[0], steps = x.shape()[1];
  const std::int64_t directions = options.bidirectional ? 2 : 1;
  const Shape state_shape{options.num_layers * directions, batch, hidden_size};
  for (const Tensor* s : {&h0, &c0})
    EMBED_CHECK(!s->defined() || s->shape() == state_shape, "initial state {} should be {}", describe(*s),
                shape_str(state_shape));
  EMBED_CHECK(cell_ == Cell::lstm || !c0.defined(), "a GRU has no cell state; c0 must be empty");
  Tensor step_mask;  // [B, T, 1]: 1 on valid steps
  if (lengths.defined()) {
    EMBED_CHECK((lengths.dtype() == DType::i64 || lengths.dtype() == DType::i32) && lengths.shape() == Shape{batch},
                "lengths should be an integer tensor [{}], got {}", batch, describe(lengths));
    const Tensor len = lengths.to(DType::i64).contiguous();
    step_mask = Tensor::zeros({batch, steps, 1});
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::int64_t n = len.data<std::int64_t>()[b];
      EMBED_CHECK(n >= 1 && n <= steps, "length {} of sequence {} is outside [1, {}]", n, b, steps);
      std::fill_n(step_mask.data<float>() + b * steps, n, 1.0f);
    }
  }
  Tensor layer_input = x;
  std::vector<Tensor> h_final, c_final;
  for (std::int64_t layer = 0; layer < options.num_layers; ++layer) {
    std::vector<Tensor> outs;
    for (std::int64_t d = 0; d < directions; ++d) {
      const std::int64_t k = layer * directions + d;
      Tensor h = h0.defined() ? squeeze(slice(h0, 0, k, k + 1), 0) : Tensor::zeros({batch, hidden_size});
      Tensor c;
      if (cell_ == Cell::lstm) c = c0.defined() ? squeeze(slice(c0, 0, k, k + 1), 0) : Tensor::zeros(h.shape());
      outs.push_back(run_direction(weights_[k], layer_input, h, c, d == 1, step_mask));
      h_final.push_back(h);
      if (c.defined()) c_final.push_back(c);
    }
    layer_input = directions == 1 ? outs[0] : concat(outs, -1);
    if (layer + 1 < options.num_layers && options.dropout > 0.0f)
      layer_input = dropout(layer_input, options.dropout, training(), dropout_gen_);
  }
  RecurrentOutput out;
  out.output = layer_input;
  out.h_n = stack(h_final, 0);
  if (cell_ == Cell::lstm) out.c_n = stack(c_final, 0);
  return out;
}

}  // namespace embed::nn
