// ExactIndex in C++ (so CI runs it under ASan/UBSan): results against a
// plain loop, removal, the index file and damaged files. The comparison
// with FAISS is tests/oracle/test_search_exact.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "embed/core/error.h"
#include "embed/core/rng.h"
#include "embed/search/exact_index.h"

namespace {

using namespace embed::search;

std::vector<float> random_rows(std::int64_t n, std::int64_t d, std::uint64_t seed) {
  embed::Generator g(seed);
  std::vector<float> x(static_cast<std::size_t>(n * d));
  for (float& v : x) v = g.normal();
  return x;
}

TEST(ExactIndex, MatchesAPlainLoop) {
  const std::int64_t n = 3000, d = 9, nq = 5, k = 4;
  const auto x = random_rows(n, d, 1), q = random_rows(nq, d, 2);
  for (Metric m : {Metric::inner_product, Metric::l2}) {
    ExactIndex index(d, m);
    index.add(x.data(), n);
    const SearchResults r = index.search(q.data(), nq, k);
    for (std::int64_t i = 0; i < nq; ++i) {
      std::vector<std::pair<float, std::int64_t>> all;
      for (std::int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (std::int64_t c = 0; c < d; ++c) {
          const double a = q[static_cast<std::size_t>(i * d + c)], b = x[static_cast<std::size_t>(j * d + c)];
          s += m == Metric::l2 ? (a - b) * (a - b) : a * b;
        }
        all.emplace_back(static_cast<float>(m == Metric::l2 ? -s : s), j);
      }
      std::partial_sort(all.begin(), all.begin() + k, all.end(), std::greater<>());
      for (std::int64_t j = 0; j < k; ++j) {
        EXPECT_EQ(r.ids[static_cast<std::size_t>(i * k + j)], all[static_cast<std::size_t>(j)].second);
        const float expected =
            m == Metric::l2 ? -all[static_cast<std::size_t>(j)].first : all[static_cast<std::size_t>(j)].first;
        EXPECT_NEAR(r.scores[static_cast<std::size_t>(i * k + j)], expected,
                    1e-3f * std::max(1.0f, std::abs(expected)));
      }
    }
  }
}

TEST(ExactIndex, RemoveSaveLoadAndDamage) {
  const std::int64_t n = 50, d = 4;
  const auto x = random_rows(n, d, 3);
  std::vector<std::int64_t> ids(n);
  for (std::int64_t i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = 1000 + 2 * i;
  ExactIndex index(d, Metric::cosine);
  index.add(x.data(), n, ids.data());
  const std::int64_t gone[] = {1000, 1098, 7};
  EXPECT_EQ(index.remove(gone, 3), 2);
  EXPECT_EQ(index.size(), 48);
  EXPECT_FALSE(index.contains(1098));
  const float* v = index.vector(1002);
  ASSERT_NE(v, nullptr);
  float norm = 0;
  for (int c = 0; c < d; ++c) norm += v[c] * v[c];
  EXPECT_NEAR(norm, 1.0f, 1e-5f);

  const std::string path = (std::filesystem::temp_directory_path() / "embed_exact_index_test.idx").string();
  index.save(path);
  const auto back = load_index(path);
  EXPECT_EQ(back->size(), 48);
  const SearchResults a = index.search(x.data(), 3, 5), b = back->search(x.data(), 3, 5);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.scores, b.scores);

  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (std::size_t cut : {std::size_t{0}, std::size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(cut));
    EXPECT_THROW(load_index(path), embed::FormatError) << cut;
  }
  bytes[bytes.size() / 2] ^= 1;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_THROW(load_index(path), embed::FormatError);
  std::filesystem::remove(path);
}

TEST(ExactIndex, RefusesBadVectors) {
  ExactIndex index(2, Metric::cosine);
  const float zero[] = {0, 0}, nan[] = {1, NAN};
  EXPECT_THROW(index.add(zero, 1), embed::InvalidArgument);
  EXPECT_THROW(index.add(nan, 1), embed::InvalidArgument);
  EXPECT_THROW(index.search(zero, 1, 1), embed::InvalidArgument);
  EXPECT_THROW(ExactIndex(0, Metric::l2), embed::InvalidArgument);
  EXPECT_THROW(parse_metric("cosinus"), embed::InvalidArgument);
  EXPECT_EQ(index.size(), 0);
}

}  // namespace
