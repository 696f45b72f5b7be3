// Recurrent layers, batch-first: x [B, T, input] -> output [B, T, D·hidden]
// (D = 2 when bidirectional) and the final states [layers·D, B, hidden].
// Gate equations, parameter names and layout are PyTorch's, so weights load
// from its state dicts:
//   GRU  (Cho et al. 2014): r = σ(W_ir x + b_ir + W_hr h + b_hr)
//                           z = σ(W_iz x + b_iz + W_hz h + b_hz)
//                           n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//                           h' = (1 - z) ⊙ n + z ⊙ h
//   LSTM (Hochreiter & Schmidhuber 1997), gates i, f, g, o:
//                           c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g),  h' = σ(o) ⊙ tanh(c')
// All weights start in U(-1/√hidden, 1/√hidden).
#pragma once

#include "embed/core/rng.h"
#include "embed/nn/module.h"

namespace embed::nn {

struct RecurrentOptions {
  std::int64_t num_layers = 1;
  bool bias = true;
  bool bidirectional = false;
  float dropout = 0.0f;  // on each layer's output but the last, while training
  std::uint64_t dropout_seed = 0;
};

struct RecurrentOutput {
  Tensor output;  // [B, T, D·hidden]; zero at padded steps
  Tensor h_n;     // [layers·D, B, hidden], ordered layer 0 forward, layer 0 backward, ...
  Tensor c_n;     // LSTM only: the final cell states, same layout
};

class Recurrent : public Module {
 public:
  // h0 / c0: optional initial states [layers·D, B, hidden] (zeros otherwise).
  // lengths: optional i64 [B] valid steps per sequence of a right-padded batch;
  // padded steps neither change the state nor produce output, which equals
  // PyTorch's pack_padded_sequence (the backward direction starts at each
  // sequence's own last step).
  RecurrentOutput forward(const Tensor& x, const Tensor& h0 = Tensor(), const Tensor& c0 = Tensor(),
                          const Tensor& lengths = Tensor());
  std::int64_t input_size, hidden_size;
  RecurrentOptions options;

 protected:
  enum class Cell { gru, lstm };
  Recurrent(Cell cell, std::int64_t input, std::int64_t hidden, Generator& gen, RecurrentOptions opts);

 private:
  struct Weights {
    Tensor w_ih, w_hh, b_ih, b_hh;
  };
  // One direction of one layer over the sequence; returns the per-step outputs [B, T, H].
  Tensor run_direction(const Weights& w, const Tensor& x, Tensor& h, Tensor& c, bool reverse,
                       const Tensor& step_mask) const;
  Cell cell_;
  std::vector<Weights> weights_;  // index layer · D + direction
  Generator dropout_gen_;
};

class GRU : public Recurrent {
 public:
  GRU(std::int64_t input, std::int64_t hidden, Generator& gen, RecurrentOptions opts = {})
      : Recurrent(Cell::gru, input, hidden, gen, opts) {}
};

class LSTM : public Recurrent {
 public:
  LSTM(std::int64_t input, std::int64_t hidden, Generator& gen, RecurrentOptions opts = {})
      : Recurrent(Cell::lstm, input, hidden, gen, opts) {}
};

}  // namespace embed::nn
