// IvfPqIndex and k-means in C++ under ASan/UBSan: exact answers before
// training, recall after it when every cell is visited (only the product
// quantisation's error remains), removal, files (identical answers after a
// round trip, damaged payloads refused). The comparison with FAISS's
// IndexIVFPQ is tests/oracle/test_search_ivfpq.py.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "embed/core/error.h"
#include "embed/core/rng.h"
#include "embed/search/exact_index.h"
#include "embed/search/index_file.h"
#include "embed/search/ivfpq_index.h"
#include "embed/search/kmeans.h"

namespace {

using namespace embed::search;

// n points around 20 random centres in d dimensions.
std::vector<float> clustered(std::int64_t n, std::int64_t d, std::uint64_t seed) {
  embed::Generator g(seed);
  std::vector<float> centres(static_cast<std::size_t>(20 * d)), x(static_cast<std::size_t>(n * d));
  for (float& c : centres) c = 4.0f * g.normal();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t c = static_cast<std::int64_t>(g.next_u64() % 20);
    for (std::int64_t t = 0; t < d; ++t)
      x[static_cast<std::size_t>(i * d + t)] = centres[static_cast<std::size_t>(c * d + t)] + g.normal();
  }
  return x;
}

double recall(const SearchResults& a, const SearchResults& truth) {
  double hits = 0;
  for (std::int64_t i = 0; i < a.queries; ++i) {
    std::set<std::int64_t> want(truth.ids.begin() + i * truth.k, truth.ids.begin() + (i + 1) * truth.k);
    for (std::int64_t j = 0; j < a.k; ++j) hits += want.count(a.ids[static_cast<std::size_t>(i * a.k + j)]);
  }
  return hits / static_cast<double>(a.queries * a.k);
}

TEST(KMeans, FindsTwoSeparatedBlobs) {
  std::vector<float> x;
  for (int i = 0; i < 100; ++i) x.insert(x.end(), {static_cast<float>(i % 5) * 0.01f, 0.0f});
  for (int i = 0; i < 100; ++i) x.insert(x.end(), {10.0f + static_cast<float>(i % 5) * 0.01f, 5.0f});
  const std::vector<float> c = kmeans(x.data(), 200, 2, 2, 10, 7);
  const bool first_low = c[0] < c[2];
  EXPECT_NEAR(c[first_low ? 0 : 2], 0.02f, 1e-5);
  EXPECT_NEAR(c[first_low ? 3 : 1], 5.0f, 1e-5);
  const auto a = nearest_centroid(x.data(), 200, c.data(), 2, 2);
  EXPECT_NE(a[0], a[199]);
  EXPECT_THROW(kmeans(x.data(), 1, 2, 2, 10, 7), embed::InvalidArgument);
}

TEST(IvfPqIndex, ExactBeforeTrainingAndCloseAfter) {
  const std::int64_t n = 3000, d = 16, nq = 30, k = 10;
  const auto x = clustered(n, d, 1), q = clustered(nq, d, 2);
  for (Metric metric : {Metric::l2, Metric::inner_product, Metric::cosine}) {
    ExactIndex exact(d, metric);
    exact.add(x.data(), n);
    const SearchResults truth = exact.search(q.data(), nq, k);
    IvfPqOptions o;
    o.nlist = 8;
    o.m = 8;
    o.nprobe = 8;  // every cell
    o.train_size = n;
    IvfPqIndex index(d, metric, o);
    index.add(x.data(), n - 1);  // one short of training: exact answers
    EXPECT_FALSE(index.trained());
    ExactIndex almost(d, metric);
    almost.add(x.data(), n - 1);
    EXPECT_EQ(index.search(q.data(), nq, k).ids, almost.search(q.data(), nq, k).ids);
    const std::int64_t last = n - 1;
    index.add(x.data() + last * d, 1, &last);
    EXPECT_TRUE(index.trained());
    EXPECT_EQ(index.size(), n);
    const SearchResults r = index.search(q.data(), nq, k);
    EXPECT_GT(recall(r, truth), 0.6) << metric_name(metric);
    // More vectors after training are encoded into the cells.
    const auto more = clustered(100, d, 3);
    index.add(more.data(), 100);
    EXPECT_EQ(index.size(), n + 100);
    EXPECT_TRUE(index.contains(n + 99));
  }
}

TEST(IvfPqIndex, RemoveSaveLoadAndDamagedFiles) {
  const std::int64_t n = 2000, d = 8;
  const auto x = clustered(n, d, 4);
  IvfPqOptions o;
  o.nlist = 4;
  o.m = 4;
  o.train_size = 1500;
  IvfPqIndex index(d, Metric::l2, o);
  index.add(x.data(), n);
  const std::int64_t gone[] = {0, 5, 1999, 123456};
  EXPECT_EQ(index.remove(gone, 4), 3);
  EXPECT_FALSE(index.contains(5));
  EXPECT_EQ(index.size(), n - 3);
  const auto q = clustered(20, d, 5);
  const SearchResults before = index.search(q.data(), 20, 5);
  for (std::int64_t id : before.ids) EXPECT_TRUE(id != 0 && id != 5 && id != 1999);
  const std::string path = (std::filesystem::temp_directory_path() / "embed_ivfpq_test.idx").string();
  index.save(path);
  const auto loaded = load_index(path);
  EXPECT_EQ(loaded->kind(), "ivfpq");
  const SearchResults after = loaded->search(q.data(), 20, 5);
  EXPECT_EQ(after.ids, before.ids);
  EXPECT_EQ(after.scores, before.scores);
  // An untrained index round-trips too.
  IvfPqIndex small(d, Metric::cosine, o);
  small.add(x.data(), 10);
  small.save(path);
  EXPECT_EQ(load_index(path)->search(q.data(), 2, 3).ids, small.search(q.data(), 2, 3).ids);
  // Payloads that do not add up are FormatErrors.
  std::string payload;
  for (std::uint64_t v : {4, 4, 16, 1500, 20, 1234, 10, 1}) payload.append(reinterpret_cast<const char*>(&v), 8);
  EXPECT_THROW(IvfPqIndex::from_payload(d, Metric::l2, payload, "short"), embed::FormatError);  // no centroids
  std::string bad_m;
  for (std::uint64_t v : {4, 3, 16, 1500, 20, 1234, 10, 0, 0}) bad_m.append(reinterpret_cast<const char*>(&v), 8);
  EXPECT_THROW(IvfPqIndex::from_payload(d, Metric::l2, bad_m, "m"), embed::FormatError);  // 3 does not divide 8
  std::string too_many;
  for (std::uint64_t v : {4, 4, 16, 1500, 20, 1234, 10, 0, 1 << 30})
    too_many.append(reinterpret_cast<const char*>(&v), 8);
  EXPECT_THROW(IvfPqIndex::from_payload(d, Metric::l2, too_many, "count"), embed::FormatError);
  EXPECT_THROW(IvfPqIndex(d, Metric::l2, IvfPqOptions{.nlist = 4, .m = 3}), embed::InvalidArgument);
}

}  // namespace
