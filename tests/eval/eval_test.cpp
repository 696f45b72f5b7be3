// Embedding diagnostics in C++ under ASan/UBSan: the collapse measures on
// spaces whose answers are known, size advice at its boundaries, PCA and
// t-SNE on shapes with an obvious picture, the SVG writer, and LAPACK's
// eigen-decomposition. The comparisons with NumPy and scikit-learn are
// tests/oracle/test_eval.py.
#include <gtest/gtest.h>

#include <cmath>

#include "embed/core/blas.h"
#include "embed/core/error.h"
#include "embed/core/rng.h"
#include "embed/eval/collapse.h"
#include "embed/eval/projection.h"
#include "embed/eval/scatter_svg.h"
#include "embed/eval/size_advice.h"

namespace {

using namespace embed::eval;

TEST(SymmetricEigen, KnownTwoByTwo) {
  double a[4] = {2, 1, 1, 2};  // eigenvalues 1 and 3, eigenvectors (1,-1)/√2 and (1,1)/√2
  double w[2];
  embed::symmetric_eigen(a, 2, w);
  EXPECT_NEAR(w[0], 1, 1e-12);
  EXPECT_NEAR(w[1], 3, 1e-12);
  EXPECT_NEAR(std::abs(a[0 * 2 + 1]), std::sqrt(0.5), 1e-12);  // column 1 = (1,1)/√2
  EXPECT_NEAR(a[0 * 2 + 1], a[1 * 2 + 1], 1e-12);
  EXPECT_NEAR(a[0 * 2 + 0], -a[1 * 2 + 0], 1e-12);
}

TEST(Collapse, IdenticalVectorsAreCollapsed) {
  std::vector<float> x;
  for (int i = 0; i < 50; ++i)
    for (int k = 0; k < 20; ++k) x.push_back(static_cast<float>(k + 1));
  const CollapseReport r = collapse_report(x.data(), 50, 20);
  EXPECT_NEAR(r.mean_cosine, 1.0, 1e-9);
  EXPECT_EQ(r.pairs, 50 * 49 / 2);
  EXPECT_NEAR(r.effective_rank, 1.0, 1e-6);
  EXPECT_EQ(r.dead_dimensions, 20);
  EXPECT_EQ(r.warnings.size(), 3u);
}

TEST(Collapse, AnOrthonormalBasisAndItsNegativesAreFullRankAndIsotropic) {
  const int d = 8;
  std::vector<float> x(static_cast<std::size_t>(2 * d * d), 0.0f);
  for (int i = 0; i < d; ++i) {
    x[static_cast<std::size_t>(i * d + i)] = 1.0f;
    x[static_cast<std::size_t>((d + i) * d + i)] = -1.0f;
  }
  const CollapseReport r = collapse_report(x.data(), 2 * d, d);
  EXPECT_NEAR(r.mean_cosine, -1.0 / (2 * d - 1), 1e-12);  // only e_k and -e_k are not orthogonal
  EXPECT_NEAR(r.effective_rank, d, 1e-9);
  EXPECT_NEAR(r.isotropy, 1.0, 1e-6);  // Z(±e_k) = e + 1/e + 2(d-1) for every k
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_NEAR(r.variance[0], 1.0 / d, 1e-9);
}

TEST(Collapse, SampledPairsAndBadInput) {
  embed::Generator g(3);
  std::vector<float> x(3000 * 5);
  for (float& v : x) v = g.normal();
  CollapseOptions o;
  o.exact_pairs_limit = 100;
  o.sampled_pairs = 20000;
  const CollapseReport r = collapse_report(x.data(), 3000, 5, o);
  EXPECT_FALSE(r.pairs_exact);
  EXPECT_NEAR(r.mean_cosine, 0.0, 0.02);
  EXPECT_EQ(collapse_report(x.data(), 3000, 5, o).mean_cosine, r.mean_cosine);  // seeded
  x[7] = std::nanf("");
  EXPECT_THROW(collapse_report(x.data(), 3000, 5), embed::InvalidArgument);
  EXPECT_THROW(collapse_report(x.data(), 1, 5), embed::InvalidArgument);
}

TEST(SizeAdvice, RulesAtTheirBoundaries) {
  EXPECT_EQ(advise_embedding_size(999).range_high, 64);
  EXPECT_EQ(advise_embedding_size(1000).range_low, 64);
  EXPECT_EQ(advise_embedding_size(100000).range_high, 256);
  EXPECT_EQ(advise_embedding_size(100001).range_low, 256);
  EXPECT_EQ(advise_embedding_size(1).fastai, 2);  // round(1.6)
  EXPECT_EQ(advise_embedding_size(1).suggested, 16);
  EXPECT_EQ(advise_embedding_size(10).fastai, 6);          // round(1.6 * 10^0.56) = round(5.81)
  EXPECT_EQ(advise_embedding_size(10000000).fastai, 600);  // capped
  EXPECT_THROW(advise_embedding_size(0), embed::InvalidArgument);
}

TEST(Projection, PcaOfALineAndTsneOfThreeClusters) {
  std::vector<float> line;
  for (int i = 0; i < 20; ++i) line.insert(line.end(), {static_cast<float>(i), 2.0f * i, -1.0f * i});
  const PcaResult p = pca(line.data(), 20, 3, 2);
  EXPECT_NEAR(p.explained_variance_ratio[0], 1.0, 1e-6);
  EXPECT_NEAR(std::abs(p.coords[2 * 19] - p.coords[0]), 19 * std::sqrt(6.0), 1e-3);
  EXPECT_GT(std::abs(p.coords[2 * 19]), std::abs(p.coords[2 * 10]));

  embed::Generator g(1);
  std::vector<float> x;
  const int per = 30, d = 5;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < per; ++i)
      for (int k = 0; k < d; ++k) x.push_back((k == c ? 20.0f : 0.0f) + g.normal());
  TsneOptions o;
  o.perplexity = 10;
  const TsneResult t = tsne(x.data(), 3 * per, d, o);
  ASSERT_EQ(t.coords.size(), static_cast<std::size_t>(2 * 3 * per));
  EXPECT_GT(t.kl_divergence, 0.0);
  // Every point's nearest neighbour in the plot is from its own cluster.
  for (int i = 0; i < 3 * per; ++i) {
    int best = -1;
    double best_d = 1e300;
    for (int j = 0; j < 3 * per; ++j) {
      if (j == i) continue;
      const double dx = t.coords[static_cast<std::size_t>(2 * i)] - t.coords[static_cast<std::size_t>(2 * j)];
      const double dy = t.coords[static_cast<std::size_t>(2 * i + 1)] - t.coords[static_cast<std::size_t>(2 * j + 1)];
      if (dx * dx + dy * dy < best_d) best_d = dx * dx + dy * dy, best = j;
    }
    EXPECT_EQ(best / per, i / per) << i;
  }
  // Affinities: symmetric, summing to one.
  const auto P = tsne_affinities(x.data(), 3 * per, d, 10);
  double total = 0;
  for (int i = 0; i < 3 * per; ++i)
    for (int j = 0; j < 3 * per; ++j) {
      total += P[static_cast<std::size_t>(i * 3 * per + j)];
      EXPECT_DOUBLE_EQ(P[static_cast<std::size_t>(i * 3 * per + j)], P[static_cast<std::size_t>(j * 3 * per + i)]);
    }
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_THROW(tsne(x.data(), 2, d), embed::InvalidArgument);
}

TEST(ScatterSvg, PointsLabelsAndEscaping) {
  ScatterOptions o;
  o.title = "a <title> & more";
  o.labels = {"x", "y", "x"};
  const std::string svg = scatter_svg({0, 0, 1, 1, 2, 0.5f}, o);
  std::size_t circles = 0;
  for (std::size_t at = 0; (at = svg.find("<circle", at)) != std::string::npos; ++at) ++circles;
  EXPECT_EQ(circles, 3u + 2u);  // three points and a legend of two categories
  EXPECT_NE(svg.find("a &lt;title&gt; &amp; more"), std::string::npos);
  o.labels = {"only one"};
  EXPECT_THROW(scatter_svg({0, 0, 1, 1}, o), embed::InvalidArgument);
  EXPECT_THROW(scatter_svg({0, std::nanf("")}, {}), embed::InvalidArgument);
}

}  // namespace
