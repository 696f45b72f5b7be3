// Exact (brute-force) search: every query against every stored vector, as
// blocked matrix products through BLAS (queries x a block of rows at a
// time), the rows split across threads, each thread keeping its own top k
// per query before one merge. The reference the approximate backends are
// measured against, and the right choice up to a few hundred thousand
// vectors.
#pragma once

#include <string_view>
#include <unordered_map>
#include <vector>

#include "embed/search/index.h"

namespace embed::search {

class ExactIndex final : public Index {
 public:
  ExactIndex(std::int64_t dim, Metric metric);

  std::string_view kind() const override { return "exact"; }
  std::int64_t dim() const override { return dim_; }
  Metric metric() const override { return metric_; }
  std::int64_t size() const override { return static_cast<std::int64_t>(ids_.size()); }

  void add(const float* vectors, std::int64_t n, const std::int64_t* ids = nullptr) override;
  SearchResults search(const float* queries, std::int64_t nq, std::int64_t k) const override;
  std::int64_t remove(const std::int64_t* ids, std::int64_t n) override;
  bool contains(std::int64_t id) const override { return row_of_.count(id) != 0; }
  void save(const std::string& path) const override;

  // The stored rows (size() x dim, normalised under cosine) and their ids, in row order.
  const std::vector<float>& rows() const { return vectors_; }
  const std::vector<std::int64_t>& row_ids() const { return ids_; }
  // The stored vector of `id` (normalised under cosine); nullptr when absent.
  const float* vector(std::int64_t id) const;
  // From the payload of an index file (index_file.h).
  static std::unique_ptr<ExactIndex> from_payload(std::int64_t dim, Metric metric, std::string_view payload,
                                                  const std::string& name);

 private:
  // Appends checked (and, under cosine, normalised) rows.
  void add_rows(const std::vector<float>& rows, std::int64_t n, const std::int64_t* ids);

  std::int64_t dim_;
  Metric metric_;
  std::vector<float> vectors_;  // size() x dim, row-major
  std::vector<float> norms_;    // squared norm per row (for l2)
  std::vector<std::int64_t> ids_;
  std::unordered_map<std::int64_t, std::int64_t> row_of_;
  std::int64_t next_id_ = 0;
};

}  // namespace embed::search
