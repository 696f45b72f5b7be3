// Tensor, views, autograd mechanics and kernels, run under ASan/UBSan in CI.
// Numerical agreement with PyTorch is in tests/oracle/.
#include <gtest/gtest.h>

#include "embed/core/autograd.h"
#include "embed/core/ops/elementwise.h"
#include "embed/core/ops/loss.h"
#include "embed/core/ops/matmul.h"
#include "embed/core/ops/nn.h"
#include "embed/core/ops/reduce.h"
#include "embed/core/ops/shape.h"
#include "embed/core/rng.h"
#include "embed/core/row_sparse.h"
#include "tests/test_tensors.h"

using embed::Tensor;

using embed::testing::iota;

TEST(Tensor, CreationAndMetadata) {
  Tensor t = Tensor::zeros({2, 3});
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.strides(), (embed::Shape{3, 1}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_THROW(Tensor::from_vector<float>({1, 2}, {3}), embed::InvalidArgument);
  EXPECT_THROW(Tensor::zeros({-1}), embed::InvalidArgument);
}

TEST(Tensor, ViewsShareStorageAndCopyOnlyWhenNeeded) {
  Tensor x = iota({2, 3, 4});
  Tensor t = embed::transpose(x, 0, 2);
  EXPECT_EQ(t.shape(), (embed::Shape{4, 3, 2}));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.storage(), x.storage());
  EXPECT_EQ(t.at<float>(1), 12.0f);  // element [0, 0, 1] = x[1, 0, 0]
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_NE(c.storage(), x.storage());
  EXPECT_EQ(c.to_vector<float>(), t.to_vector<float>());
  Tensor s = embed::slice(x, 2, 1, 4, 2);
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23}));
  Tensor e = embed::expand(embed::slice(x, 0, 0, 1), {5, 3, 4});
  EXPECT_EQ(e.strides()[0], 0);
  EXPECT_THROW(embed::reshape(x, {5, -1}), embed::InvalidArgument);
  EXPECT_THROW(embed::squeeze(x, 1), embed::InvalidArgument);
}

TEST(Ops, BroadcastingAndErrors) {
  Tensor a = iota({2, 3}), b = Tensor::from_vector<float>({10, 20, 30}, {3});
  EXPECT_EQ(embed::add(a, b).to_vector<float>(), (std::vector<float>{10, 21, 32, 13, 24, 35}));
  EXPECT_THROW(embed::add(a, iota({2})), embed::InvalidArgument);
  EXPECT_THROW(embed::exp(Tensor::zeros({2}, embed::DType::i64)), embed::InvalidArgument);
}

TEST(Ops, MatmulOfTransposedViewUsesNoCopyAndIsRight) {
  Tensor a = iota({3, 2}), b = iota({3, 4});
  Tensor c = embed::matmul(embed::transpose(a, 0, 1), b);  // [2, 4]
  // c[i][j] = Σ_k a[k][i]·b[k][j]
  EXPECT_EQ(c.to_vector<float>(), (std::vector<float>{40, 46, 52, 58, 52, 61, 70, 79}));
  EXPECT_THROW(embed::matmul(iota({2, 3}), iota({2, 3})), embed::InvalidArgument);
}

TEST(Autograd, GradAccumulatesOverRepeatedUse) {
  Tensor x = Tensor::from_vector<float>({0, 1, 2}, {3});
  x.set_requires_grad();
  Tensor y = embed::sum(embed::add(embed::mul(x, x), embed::exp(x)));
  y.backward();
  const auto g = x.grad().to_vector<float>();
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(g[i], 2.0f * i + std::exp(static_cast<float>(i)), 1e-5);
}

TEST(Autograd, SecondBackwardNeedsRetainGraph) {
  Tensor x = Tensor::from_vector<float>({1, 2}, {2});
  x.set_requires_grad();
  Tensor y = embed::sum(embed::mul(x, x));
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{4, 8}));  // accumulated twice
  EXPECT_THROW(y.backward(), embed::InvalidArgument);
}

TEST(Autograd, NoGradGuardAndDetach) {
  Tensor x = Tensor::ones({2});
  x.set_requires_grad();
  {
    embed::NoGradGuard guard;
    EXPECT_FALSE(embed::mul(x, x).requires_grad());
  }
  EXPECT_TRUE(embed::mul(x, x).requires_grad());
  EXPECT_FALSE(x.detach().requires_grad());
  EXPECT_THROW(embed::mul(x, x).set_requires_grad(false), embed::InvalidArgument);
  EXPECT_THROW(embed::mul(x, x).backward(), embed::InvalidArgument);  // not a scalar
}

TEST(Autograd, DeepChainDoesNotOverflowTheStack) {
  Tensor x = Tensor::ones({4});
  x.set_requires_grad();
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = embed::mul(y, 1.0f);
  embed::sum(y).backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>(4, 1.0f)));
}

TEST(Ops, CrossEntropyAndEmbeddingCheckTheirIds) {
  Tensor logits = iota({2, 3});
  EXPECT_THROW(embed::cross_entropy(logits, Tensor::from_vector<std::int64_t>({0, 3}, {2})), embed::InvalidArgument);
  EXPECT_THROW(embed::embedding(Tensor::from_vector<std::int64_t>({-1}, {1}), logits), embed::InvalidArgument);
  Tensor loss = embed::cross_entropy(logits, Tensor::from_vector<std::int64_t>({2, -100}, {2}));
  EXPECT_NEAR(loss.item(), std::log(1 + std::exp(-1.0f) + std::exp(-2.0f)), 1e-6);
}

TEST(Rng, SameSeedSameStream) {
  embed::Generator a(7), b(7), c(8);
  const auto x = Tensor::randn({100}, a).to_vector<float>();
  EXPECT_EQ(x, Tensor::randn({100}, b).to_vector<float>());
  EXPECT_NE(x, Tensor::randn({100}, c).to_vector<float>());
  for (int i = 0; i < 1000; ++i) EXPECT_LT(a.below(7), 7u);
}

TEST(Autograd, LeafGradientNeverAliasesTheCallersSeed) {
  // reshape's backward hands back a view of the seed; accumulating a second
  // backward into .grad must not write into the caller's tensor.
  Tensor x = Tensor::zeros({2, 2});
  x.set_requires_grad(true);
  const Tensor seed = Tensor::ones({4});
  embed::reshape(x, {4}).backward(seed);
  embed::reshape(x, {4}).backward(seed);
  EXPECT_EQ(x.grad().to_vector<float>(), std::vector<float>(4, 2.0f));
  EXPECT_EQ(seed.to_vector<float>(), std::vector<float>(4, 1.0f));
  // A fresh gradient nobody else holds is adopted, and later ones add into it.
  Tensor w = Tensor::ones({3});
  w.set_requires_grad(true);
  embed::sum(embed::mul(w, w)).backward();
  embed::sum(embed::mul(w, w)).backward();
  EXPECT_EQ(w.grad().to_vector<float>(), std::vector<float>(3, 4.0f));
}

TEST(RowSparse, CoalesceAddAndDensify) {
  const Tensor ids = Tensor::from_vector<std::int64_t>({4, 1, 4}, {3});
  const Tensor values = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {3, 2});
  const Tensor g = embed::coalesce_rows(ids, values, 5);
  ASSERT_TRUE(embed::is_row_sparse(g));
  EXPECT_EQ(embed::row_ids(g).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 4}));
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{3, 4, 6, 8}));
  EXPECT_EQ(embed::dense_shape(g), (embed::Shape{5, 2}));
  const Tensor sum = embed::add_row_sparse(
      g, embed::coalesce_rows(Tensor::from_vector<std::int64_t>({0}, {1}), Tensor::ones({1, 2}), 5));
  EXPECT_EQ(embed::to_dense(sum).to_vector<float>(), (std::vector<float>{1, 1, 3, 4, 0, 0, 0, 0, 6, 8}));
  EXPECT_THROW(embed::coalesce_rows(Tensor::from_vector<std::int64_t>({5}, {1}), Tensor::ones({1, 2}), 5),
               embed::InvalidArgument);
  EXPECT_THROW(embed::add_rows_into(Tensor::zeros({4, 2}), g), embed::InvalidArgument);
}

TEST(RowSparse, EmbeddingGradientStaysSparseOnTheLeaf) {
  Tensor w = Tensor::ones({6, 3});
  w.set_requires_grad(true);
  const Tensor ids = Tensor::from_vector<std::int64_t>({2, 5, 2}, {3});
  embed::sum(embed::embedding(ids, w, 5, true)).backward();
  ASSERT_TRUE(embed::is_row_sparse(w.stored_grad()));
  EXPECT_EQ(embed::row_ids(w.stored_grad()).to_vector<std::int64_t>(), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(w.grad().shape(), (embed::Shape{6, 3}));  // grad() is dense
  EXPECT_EQ(w.grad().at<float>(6), 2.0f);
}

TEST(Shape, HugeSizesNeverOverflow) {
  // An empty tensor may name sizes whose product does not fit in 64 bits.
  const embed::Shape empty{0, std::int64_t{1} << 40, std::int64_t{1} << 40};
  EXPECT_EQ(embed::numel(empty), 0);
  EXPECT_NO_THROW(embed::contiguous_strides(empty));
  EXPECT_THROW(embed::numel({std::int64_t{1} << 40, std::int64_t{1} << 40}), embed::InvalidArgument);
}
