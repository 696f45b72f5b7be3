// Convolution, pooling, index, sparse and module mechanics under ASan/UBSan:
// hand-checked values, gradients that reach every input, and clear errors on
// bad shapes and indices. Agreement with PyTorch is in tests/oracle/.
#include <gtest/gtest.h>

#include "embed/core/ops/conv.h"
#include "embed/core/ops/index.h"
#include "embed/core/ops/reduce.h"
#include "embed/core/ops/sparse.h"
#include "embed/nn/attention.h"
#include "embed/nn/conv.h"
#include "embed/nn/layers.h"
#include "embed/nn/rnn.h"
#include "tests/test_tensors.h"

using embed::Tensor;

using embed::testing::iota;

TEST(Conv, SumKernelCountsWindowsAndPadding) {
  // A 3x3 all-ones kernel over a 3x3 all-ones image with padding 1 counts the
  // in-bounds neighbours: corners 4, edges 6, centre 9.
  const Tensor y = embed::conv2d(Tensor::ones({1, 1, 3, 3}), Tensor::ones({1, 1, 3, 3}), Tensor(), {1, 1}, {1, 1});
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{4, 6, 4, 6, 9, 6, 4, 6, 4}));
}

TEST(Conv, GradientsReachEveryInput) {
  Tensor x = iota({2, 4, 5, 5}), w = Tensor::ones({6, 2, 3, 3}), b = Tensor::zeros({6});
  for (Tensor* t : {&x, &w, &b}) t->set_requires_grad(true);
  embed::sum(embed::conv2d(x, w, b, {2, 1}, {1, 0}, {1, 2}, 2)).backward();
  EXPECT_EQ(x.grad().shape(), x.shape());
  EXPECT_EQ(w.grad().shape(), w.shape());
  EXPECT_EQ(b.grad().to_vector<float>(), std::vector<float>(6, 2.0f * 3 * 1));  // N · oh · ow
}

TEST(Conv, RejectsMismatchedShapes) {
  EXPECT_THROW(embed::conv2d(Tensor::ones({1, 3, 5, 5}), Tensor::ones({4, 2, 3, 3})), embed::InvalidArgument);
  EXPECT_THROW(embed::conv1d(Tensor::ones({1, 3, 2}), Tensor::ones({4, 3, 5})), embed::InvalidArgument);
  EXPECT_THROW(embed::max_pool2d(Tensor::ones({1, 1, 4, 4}), {2, 2}, {1, 1}, {2, 2}), embed::InvalidArgument);
  EXPECT_THROW(embed::adaptive_avg_pool2d(Tensor::ones({1, 1, 4, 4}), {0, 2}), embed::InvalidArgument);
}

TEST(Pool, MaxAndAverage) {
  const Tensor x = iota({1, 1, 4, 4});
  EXPECT_EQ(embed::max_pool2d(x, {2, 2}).to_vector<float>(), (std::vector<float>{5, 7, 13, 15}));
  EXPECT_EQ(embed::avg_pool2d(x, {2, 2}).to_vector<float>(), (std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f}));
  EXPECT_EQ(embed::adaptive_avg_pool2d(x, {1, 1}).item(), 7.5f);
}

TEST(Index, GatherScatterSelectAndErrors) {
  const Tensor x = iota({2, 3});
  const Tensor idx = Tensor::from_vector<std::int64_t>({2, 0, 1, 1}, {2, 2});
  EXPECT_EQ(embed::gather(x, 1, idx).to_vector<float>(), (std::vector<float>{2, 0, 4, 4}));
  EXPECT_EQ(embed::scatter_add(Tensor::zeros({2, 3}), 1, idx, Tensor::ones({2, 2})).to_vector<float>(),
            (std::vector<float>{1, 0, 1, 0, 2, 0}));
  EXPECT_EQ(embed::index_select(x, 0, Tensor::from_vector<std::int64_t>({1, 1}, {2})).to_vector<float>(),
            (std::vector<float>{3, 4, 5, 3, 4, 5}));
  EXPECT_THROW(embed::gather(x, 1, Tensor::from_vector<std::int64_t>({3}, {1, 1})), embed::InvalidArgument);
  EXPECT_THROW(embed::index_select(x, 0, Tensor::from_vector<std::int64_t>({-1}, {1})), embed::InvalidArgument);
  EXPECT_EQ(embed::one_hot(Tensor::from_vector<std::int64_t>({1, 0}, {2}), 3).to_vector<float>(),
            (std::vector<float>{0, 1, 0, 1, 0, 0}));
}

TEST(Segment, SumMaxSoftmaxWithAnEmptySegment) {
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, 4}, {4});
  const Tensor ids = Tensor::from_vector<std::int64_t>({0, 2, 0, 2}, {4});
  EXPECT_EQ(embed::segment_sum(x, ids, 3).to_vector<float>(), (std::vector<float>{4, 0, 6}));
  EXPECT_EQ(embed::segment_max(x, ids, 3).to_vector<float>(), (std::vector<float>{3, 0, 4}));
  const auto p = embed::segment_softmax(x, ids, 3).to_vector<float>();
  EXPECT_NEAR(p[0] + p[2], 1.0f, 1e-6f);
  EXPECT_NEAR(p[1] + p[3], 1.0f, 1e-6f);
  EXPECT_THROW(embed::segment_sum(x, ids, 2), embed::InvalidArgument);
}

TEST(Sparse, CsrProductAndValidation) {
  // [[1, 0, 2], [0, 0, 0], [0, 3, 0]] · [[1], [10], [100]]
  const auto a = embed::CsrMatrix::from_coo(3, 3, Tensor::from_vector<std::int64_t>({2, 0, 0}, {3}),
                                            Tensor::from_vector<std::int64_t>({1, 2, 0}, {3}),
                                            Tensor::from_vector<float>({3, 2, 1}, {3}));
  EXPECT_EQ(embed::spmm(a, Tensor::from_vector<float>({1, 10, 100}, {3, 1})).to_vector<float>(),
            (std::vector<float>{201, 0, 30}));
  EXPECT_THROW(embed::CsrMatrix(2, 2, Tensor::from_vector<std::int64_t>({0, 1, 0}, {3}),
                                Tensor::from_vector<std::int64_t>({0}, {1}), Tensor::ones({1})),
               embed::InvalidArgument);
  EXPECT_THROW(embed::spmm(a, Tensor::ones({2, 1})), embed::InvalidArgument);
}

TEST(Modules, SequentialNamesFollowPyTorch) {
  embed::Generator gen(1);
  embed::nn::Sequential net;
  net.add(std::make_shared<embed::nn::Conv2d>(1, 2, embed::Pair{3, 3}, gen))
      .add(std::make_shared<embed::nn::BatchNorm2d>(2))
      .add(std::make_shared<embed::nn::Activation>(embed::nn::Activation::Kind::relu));
  const auto state = net.state_dict();
  for (const char* key : {"0.weight", "0.bias", "1.weight", "1.running_mean", "1.num_batches_tracked"})
    EXPECT_TRUE(state.count(key)) << key;
  EXPECT_EQ(net.forward(Tensor::ones({2, 1, 4, 4})).shape(), (embed::Shape{2, 2, 2, 2}));
  EXPECT_EQ(state.at("1.num_batches_tracked").at<std::int64_t>(0), 1);
}

TEST(Modules, RecurrentAndAttentionShapes) {
  embed::Generator gen(2);
  embed::nn::LSTM lstm(3, 4, gen, {2, true, true, 0.0f, 0});
  const auto out =
      lstm.forward(Tensor::ones({2, 5, 3}), Tensor(), Tensor(), Tensor::from_vector<std::int64_t>({5, 3}, {2}));
  EXPECT_EQ(out.output.shape(), (embed::Shape{2, 5, 8}));
  EXPECT_EQ(out.h_n.shape(), (embed::Shape{4, 2, 4}));
  EXPECT_EQ(out.output.at<float>(2 * 5 * 8 - 1), 0.0f);  // padded step of sequence 1
  embed::nn::GRU gru(3, 4, gen);
  EXPECT_THROW(gru.forward(Tensor::ones({2, 5, 3}), Tensor(), Tensor::zeros({1, 2, 4})), embed::InvalidArgument);

  embed::nn::MultiHeadAttention mha(8, 2, gen);
  embed::nn::AttentionMasks masks;
  masks.causal = true;
  const Tensor x = iota({1, 3, 8});
  const auto att = mha.forward(x, x, x, masks, true);
  EXPECT_EQ(att.weights.shape(), (embed::Shape{1, 3, 3}));
  EXPECT_EQ(att.weights.at<float>(1), 0.0f);  // query 0 cannot see key 1
  EXPECT_NEAR(att.weights.at<float>(0), 1.0f, 1e-6f);
}
