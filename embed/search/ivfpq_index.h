// IVF-PQ (Jégou, Douze & Schmid 2011, "Product Quantization for Nearest
// Neighbor Search"), the layout of FAISS's IndexIVFPQ with residual
// encoding: a coarse k-means quantiser splits the space into nlist cells;
// a vector is stored in its cell as m bytes, the codes of its residual
// (vector - cell centroid) under m sub-quantisers of 256 centroids each
// over dim/m consecutive dimensions. A query visits its nprobe nearest
// cells and scores codes by table lookups (asymmetric distances):
//   l2:    |q - c - r|^2 = sum_j |(q - c)_j - pq_j[code_j]|^2 (a table per cell)
//   ip:    q.c + sum_j q_j . pq_j[code_j]                    (one table per query)
//   cosine: ip over normalised vectors.
// Scores are those approximations, as FAISS reports them.
//
// Training needs data: until train_size vectors have been added they are
// kept whole and searched exactly; the add that reaches train_size trains
// the quantisers on all of them (k-means, kmeans.h) and encodes them. Memory
// then is m bytes + 8 (id) per vector instead of 4 * dim: the backend for
// collections whose vectors do not fit in memory as floats (see
// docs/ARCHITECTURE.md for when HNSW is the better choice).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embed/search/exact_index.h"
#include "embed/search/index.h"

namespace embed::search {

struct IvfPqOptions {
  std::int64_t nlist = 1024;    // coarse cells
  std::int64_t m = 0;           // sub-quantisers (bytes per code); 0: the largest divisor of dim <= dim/4
  std::int64_t nprobe = 16;     // cells visited per query
  std::int64_t train_size = 0;  // vectors to collect before training; 0: max(39 * nlist, 39 * 256)
  int kmeans_iterations = 20;
  std::uint64_t seed = 1234;
};

class IvfPqIndex final : public Index {
 public:
  IvfPqIndex(std::int64_t dim, Metric metric, IvfPqOptions options = {});

  std::string_view kind() const override { return "ivfpq"; }
  std::int64_t dim() const override { return dim_; }
  Metric metric() const override { return metric_; }
  std::int64_t size() const override { return pending_.size() + static_cast<std::int64_t>(where_.size()); }
  const IvfPqOptions& options() const { return options_; }
  bool trained() const { return !coarse_.empty(); }
  void set_nprobe(std::int64_t nprobe);

  void add(const float* vectors, std::int64_t n, const std::int64_t* ids = nullptr) override;
  SearchResults search(const float* queries, std::int64_t nq, std::int64_t k) const override;
  std::int64_t remove(const std::int64_t* ids, std::int64_t n) override;
  bool contains(std::int64_t id) const override { return pending_.contains(id) || where_.count(id) != 0; }
  void save(const std::string& path) const override;

  static std::unique_ptr<IvfPqIndex> from_payload(std::int64_t dim, Metric metric, std::string_view payload,
                                                  const std::string& name);

 private:
  std::int64_t dsub() const { return dim_ / options_.m; }
  void train_and_encode();
  void encode(const float* rows, std::int64_t n, const std::int64_t* ids);

  std::int64_t dim_;
  Metric metric_;
  IvfPqOptions options_;
  std::int64_t next_id_ = 0;
  ExactIndex pending_;                                 // before training: the vectors themselves
  std::vector<float> coarse_;                          // nlist x dim (empty until trained)
  std::vector<float> codebooks_;                       // m x 256 x dsub
  std::vector<std::vector<std::int64_t>> list_ids_;    // per cell
  std::vector<std::vector<std::uint8_t>> list_codes_;  // per cell, m bytes per vector
  std::unordered_map<std::int64_t, std::pair<std::int32_t, std::int64_t>> where_;  // id -> (cell, position)
};

}  // namespace embed::search
