// HnswIndex in C++ (so CI runs it, and hnswlib under it, with ASan/UBSan):
// recall against exact search, removal, the index file, and a graph whose
// neighbour id points outside it (checksum fixed up) refused before hnswlib
// reads it. Recall against hnswlib itself: tests/oracle/test_search_hnsw.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "embed/core/error.h"
#include "embed/core/rng.h"
#include "embed/io/checksum.h"
#include "embed/search/exact_index.h"
#include "embed/search/hnsw_index.h"

namespace {

using namespace embed::search;

TEST(HnswIndex, RecallRemoveSaveLoad) {
  const std::int64_t n = 2000, d = 8, nq = 20, k = 5;
  embed::Generator g(1);
  std::vector<float> x(static_cast<std::size_t>(n * d)), q(static_cast<std::size_t>(nq * d));
  for (float& v : x) v = g.normal();
  for (float& v : q) v = g.normal();
  ExactIndex exact(d, Metric::l2);
  exact.add(x.data(), n);
  HnswIndex index(d, Metric::l2, HnswOptions{8, 100, 64, 1});
  index.add(x.data(), n);
  const SearchResults truth = exact.search(q.data(), nq, k), found = index.search(q.data(), nq, k);
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < nq; ++i) {
    const std::set<std::int64_t> t(truth.ids.begin() + i * k, truth.ids.begin() + (i + 1) * k);
    for (std::int64_t j = 0; j < k; ++j) hits += t.count(found.ids[static_cast<std::size_t>(i * k + j)]);
  }
  EXPECT_GE(static_cast<double>(hits) / static_cast<double>(nq * k), 0.95);

  const std::int64_t gone[] = {0, 1, 2, 99999};
  EXPECT_EQ(index.remove(gone, 4), 3);
  EXPECT_EQ(index.size(), n - 3);
  const std::string path = (std::filesystem::temp_directory_path() / "embed_hnsw_index_test.idx").string();
  index.save(path);
  const auto back = load_index(path);
  EXPECT_EQ(back->size(), n - 3);
  EXPECT_FALSE(back->contains(1));
  EXPECT_EQ(back->search(q.data(), nq, k).ids, index.search(q.data(), nq, k).ids);

  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Container header 48 bytes, our settings 40, graph header 96: the first
  // element's first neighbour id sits 4 bytes into its record.
  const std::size_t first_neighbour = 48 + 40 + 96 + 4;
  const std::uint32_t outside = 0x7fffffff;
  std::memcpy(bytes.data() + first_neighbour, &outside, 4);
  const std::uint32_t crc = embed::crc32_update(0, bytes.data(), bytes.size() - 4);
  std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_THROW(load_index(path), embed::FormatError);
  std::filesystem::remove(path);
}

}  // namespace
