// Core engine against raw cblas_sgemm at 1024x1024x1024. Prints GFLOP/s for
// each; the ratio ours/raw is the figure in docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include "embed/core/autograd.h"
#include "embed/core/ops/matmul.h"
#include "embed/core/ops/reduce.h"
#include "embed/core/rng.h"

using embed::Tensor;

namespace {
constexpr std::int64_t kN = 1024;

void set_flops(benchmark::State& state, double flops_per_iter) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops_per_iter * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void BM_RawSgemm(benchmark::State& state) {
  embed::Generator gen(0);
  Tensor a = Tensor::randn({kN, kN}, gen), b = Tensor::randn({kN, kN}, gen), c = Tensor::empty({kN, kN});
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, kN, kN, kN, 1.0f, a.data<float>(), kN, b.data<float>(), kN,
                0.0f, c.data<float>(), kN);
    benchmark::DoNotOptimize(c.data<float>());
  }
  set_flops(state, 2.0 * kN * kN * kN);
}

// Forward + backward: three products of the same size as the raw one.
void BM_LinearForwardBackward(benchmark::State& state) {
  embed::Generator gen(0);
  Tensor x = Tensor::randn({kN, kN}, gen), w = Tensor::randn({kN, kN}, gen), b = Tensor::randn({kN}, gen);
  x.set_requires_grad();
  w.set_requires_grad();
  b.set_requires_grad();
  Tensor g = Tensor::ones({kN, kN});
  for (auto _ : state) {
    Tensor y = embed::linear(x, w, b);
    y.backward(g);
    x.zero_grad();
    w.zero_grad();
    b.zero_grad();
  }
  set_flops(state, 3 * 2.0 * kN * kN * kN);
}

void BM_BatchedMatmul(benchmark::State& state) {
  embed::Generator gen(0);
  const std::int64_t batch = 8, n = 512;
  Tensor a = Tensor::randn({batch, n, n}, gen), b = Tensor::randn({batch, n, n}, gen);
  for (auto _ : state) benchmark::DoNotOptimize(embed::matmul(a, b).data<float>());
  set_flops(state, 2.0 * batch * n * n * n);
}
}  // namespace

BENCHMARK(BM_RawSgemm)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LinearForwardBackward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BatchedMatmul)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
