// Approximate search by HNSW (Malkov & Yashunin 2018, "Efficient and robust
// approximate nearest neighbor search using Hierarchical Navigable Small
// World graphs"), the graph kept by hnswlib (Debian libhnswlib-dev; chosen
// over FAISS's HNSW and IVF-PQ by bench/search, see docs/ARCHITECTURE.md).
//
// What is ours: the Index contract (ids, metrics, scores as FAISS reports
// them, ties by id), capacity growth, removal, parallel insertion and
// search, and persistence: the graph goes into our checksummed index file,
// and a graph read back is validated in full (sizes, every neighbour id,
// levels, labels, finite vectors) before hnswlib sees it, so a damaged or
// hostile file is a FormatError, never memory corruption.
//
// Insertion with one thread is reproducible for a seed; with several,
// points race into the graph (as in hnswlib) and the graph differs run to
// run, with the same recall.
#pragma once

#include <memory>
#include <string_view>
#include <unordered_set>

#include "embed/search/index.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
template <typename T>
class SpaceInterface;
}  // namespace hnswlib

namespace embed::search {

struct HnswOptions {
  std::int64_t m = 16;                 // links per node and level (2m on the base level)
  std::int64_t ef_construction = 200;  // candidate list while inserting
  std::int64_t ef_search = 64;         // candidate list while searching (at least k is used)
  std::uint64_t seed = 100;            // level draws
};

class HnswIndex final : public Index {
 public:
  HnswIndex(std::int64_t dim, Metric metric, HnswOptions options = {});
  ~HnswIndex() override;

  std::string_view kind() const override { return "hnsw"; }
  std::int64_t dim() const override { return dim_; }
  Metric metric() const override { return metric_; }
  std::int64_t size() const override { return static_cast<std::int64_t>(present_.size()); }
  const HnswOptions& options() const { return options_; }
  void set_ef_search(std::int64_t ef);

  void add(const float* vectors, std::int64_t n, const std::int64_t* ids = nullptr) override;
  SearchResults search(const float* queries, std::int64_t nq, std::int64_t k) const override;
  std::int64_t remove(const std::int64_t* ids, std::int64_t n) override;
  bool contains(std::int64_t id) const override { return present_.count(id) != 0; }
  void save(const std::string& path) const override;

  static std::unique_ptr<HnswIndex> from_payload(std::int64_t dim, Metric metric, std::string_view payload,
                                                 const std::string& name);

 private:
  std::int64_t dim_;
  Metric metric_;
  HnswOptions options_;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
  std::unordered_set<std::int64_t> present_;
  std::int64_t next_id_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace embed::search
