// BM25 weights (embed/text/sparse/bm25.h) against the formula evaluated by
// hand on a tiny collection, and the inner-product mode of SparseIndex that
// ranks with them; under ASan/UBSan in CI.
#include <gtest/gtest.h>

#include <cmath>

#include "embed/core/error.h"
#include "embed/text/sparse/bm25.h"
#include "embed/text/sparse/sparse_search.h"

namespace {

using namespace embed::text;

// 3 documents x 3 terms: d0 = {t0: 2, t1: 1}, d1 = {t1: 1}, d2 = {t0: 1, t2: 3}.
CsrMatrix counts() {
  CsrMatrix m;
  m.rows = 3;
  m.cols = 3;
  m.indptr = {0, 2, 3, 5};
  m.indices = {0, 1, 1, 0, 2};
  m.data = {2, 1, 1, 1, 3};
  return m;
}

TEST(Bm25, WeightsFollowTheFormula) {
  const CsrMatrix c = counts();
  const Bm25Stats stats = Bm25Stats::of(c);
  EXPECT_EQ(stats.n_documents, 3);
  EXPECT_DOUBLE_EQ(stats.avgdl, 8.0 / 3.0);
  EXPECT_EQ(stats.df, (std::vector<std::int64_t>{2, 2, 1}));
  Bm25Options o;
  o.k1 = 1.2;
  o.b = 0.75;
  const CsrMatrix w = bm25_weights(c, o, stats);
  ASSERT_EQ(w.nnz(), 5);
  // d0, t0: tf 2, |d| 3, df 2.
  const double idf = std::log(1 + (3 - 2 + 0.5) / (2 + 0.5));
  EXPECT_NEAR(w.data[0], idf * 2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 3 / (8.0 / 3.0))), 1e-12);
  // d2, t2: tf 3, |d| 4, df 1, with Robertson's idf, (k1 + 1) and BM25+'s delta.
  o.idf = Bm25Idf::robertson;
  o.k1_plus_1 = true;
  o.delta = 1;
  const double robertson = std::log((3 - 1 + 0.5) / (1 + 0.5));
  EXPECT_NEAR(bm25_weights(c, o, stats).data[4],
              robertson * (3 * 2.2 / (3 + 1.2 * (1 - 0.75 + 0.75 * 4 / (8.0 / 3.0))) + 1), 1e-12);
  EXPECT_NEAR(bm25_idf(Bm25Idf::atire, 3, 1), std::log(3.0), 1e-15);
}

TEST(Bm25, RanksByInnerProductWithTheQueryCounts) {
  const CsrMatrix c = counts();
  const CsrMatrix w = bm25_weights(c, Bm25Options{}, Bm25Stats::of(c));
  const SparseIndex index(w, SparseScore::inner_product);
  CsrMatrix q;  // t0 twice, t2 once
  q.rows = 1;
  q.cols = 3;
  q.indptr = {0, 2};
  q.indices = {0, 2};
  q.data = {2, 1};
  const auto hits = index.search(q, 3);
  ASSERT_EQ(hits[0].size(), 2u);  // d1 shares no term
  EXPECT_EQ(hits[0][0].row, 2);   // t2 is rare and d2 has it
  EXPECT_NEAR(hits[0][0].score, 2 * w.data[3] + w.data[4], 1e-12);
  EXPECT_NEAR(hits[0][1].score, 2 * w.data[0], 1e-12);
}

TEST(Bm25, BadSettingsAndCountsAreErrors) {
  Bm25Options o;
  o.b = 1.5;
  EXPECT_THROW(o.validate(), embed::InvalidArgument);
  o = {};
  o.k1 = std::nan("");
  EXPECT_THROW(o.validate(), embed::InvalidArgument);
  CsrMatrix bad = counts();
  bad.data[1] = -1;
  EXPECT_THROW((void)Bm25Stats::of(bad), embed::InvalidArgument);
  EXPECT_THROW((void)parse_bm25_idf("okapi"), embed::InvalidArgument);
  const Bm25Stats stats = Bm25Stats::of(counts());
  CsrMatrix wider = counts();
  wider.cols = 4;
  EXPECT_THROW((void)bm25_weights(wider, Bm25Options{}, stats), embed::InvalidArgument);
}

}  // namespace
