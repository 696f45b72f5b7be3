// `embed demo`: what the engine can do today, end to end. Trains a 2-layer MLP
// with Adam on two interleaved spirals, saves it as safetensors, reloads it
// into a fresh model and checks that the predictions are identical.
#include <cmath>
#include <cstdio>

#include "apps/cli/commands.h"
#include "embed/core/autograd.h"
#include "embed/core/ops/elementwise.h"
#include "embed/core/ops/loss.h"
#include "embed/core/ops/reduce.h"
#include "embed/core/progress.h"
#include "embed/nn/layers.h"
#include "embed/nn/optim.h"

namespace embed::cli {

namespace {

class SpiralNet : public nn::Module {
 public:
  explicit SpiralNet(Generator& gen)
      : fc1(register_module("fc1", std::make_shared<nn::Linear>(2, 64, true, gen))),
        fc2(register_module("fc2", std::make_shared<nn::Linear>(64, 2, true, gen))) {}
  Tensor forward(const Tensor& x) const { return fc2->forward(tanh(fc1->forward(x))); }
  std::shared_ptr<nn::Linear> fc1, fc2;
};

// Two spirals of n points each, with a little noise; labels 0 and 1.
void spirals(std::int64_t n, Generator& gen, Tensor& x, Tensor& y) {
  x = Tensor::empty({2 * n, 2});
  y = Tensor::empty({2 * n}, DType::i64);
  for (std::int64_t i = 0; i < 2 * n; ++i) {
    const std::int64_t cls = i / n;
    const float r = static_cast<float>(i % n) / static_cast<float>(n) * 3.0f + 0.3f;
    const float angle = r * 2.2f + static_cast<float>(cls) * 3.14159265f;
    x.data<float>()[2 * i] = r * std::cos(angle) / 3.3f + 0.03f * gen.normal();
    x.data<float>()[2 * i + 1] = r * std::sin(angle) / 3.3f + 0.03f * gen.normal();
    y.data<std::int64_t>()[i] = cls;
  }
}

float accuracy(const Tensor& logits, const Tensor& y) {
  const Tensor pred = argmax(logits, 1);
  std::int64_t ok = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) ok += pred.data<std::int64_t>()[i] == y.data<std::int64_t>()[i];
  return static_cast<float>(ok) / static_cast<float>(y.numel());
}

}  // namespace

int run_demo(const DemoOptions& o) {
  Generator gen(o.seed);
  Tensor x, y;
  spirals(200, gen, x, y);
  SpiralNet net(gen);
  nn::Adam opt(net.parameters(), {.lr = 0.02f});
  std::printf("embed demo: 2-layer MLP (2-64-2, tanh) on two spirals, %lld points, Adam, %d steps\n",
              static_cast<long long>(x.shape()[0]), o.steps);
  Progress progress("training", o.steps, "steps");
  for (int step = 0; step <= o.steps; ++step) {
    check_interrupted("training");
    opt.zero_grad();
    const Tensor logits = net.forward(x);
    const Tensor loss = cross_entropy(logits, y);
    if (step % std::max(1, o.steps / 6) == 0 || step == o.steps) {
      NoGradGuard no_grad;
      std::printf("  step %4d  loss %.4f  accuracy %.3f\n", step, loss.item(), accuracy(logits, y));
    }
    if (step == o.steps) break;
    loss.backward();
    opt.step();
    progress.advance();
  }
  progress.finish();
  net.save(o.output);
  Generator other(o.seed + 1);
  SpiralNet reloaded(other);
  reloaded.load(o.output);
  NoGradGuard no_grad;
  const Tensor a = net.forward(x), b = reloaded.forward(x);
  const float diff = max(abs(sub(a, b))).item();
  std::printf("saved %s (%zu tensors); reloaded model differs by %.1e\n", o.output.c_str(), net.state_dict().size(),
              diff);
  return diff == 0.0f ? 0 : 1;
}

}  // namespace embed::cli
