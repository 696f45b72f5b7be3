#include "embed/text/sparse/sparse_search.h"

#include <algorithm>
#include <cmath>

#include "embed/core/error.h"
#include "embed/core/parallel.h"

namespace embed::text {

SparseIndex::SparseIndex(const CsrMatrix& documents, SparseScore score)
    : rows_(documents.rows), cols_(documents.cols), score_(score) {
  documents.validate("documents");
  CsrMatrix unit = documents;
  if (score_ == SparseScore::cosine) unit.normalize_rows();
  // Transpose by counting sort: rows come out ascending within each posting list.
  postings_ptr_.assign(static_cast<std::size_t>(cols_) + 1, 0);
  for (std::int32_t c : unit.indices) ++postings_ptr_[static_cast<std::size_t>(c) + 1];
  for (std::size_t c = 0; c < static_cast<std::size_t>(cols_); ++c) postings_ptr_[c + 1] += postings_ptr_[c];
  posting_rows_.resize(unit.data.size());
  posting_weights_.resize(unit.data.size());
  std::vector<std::int64_t> fill(postings_ptr_.begin(), postings_ptr_.end() - 1);
  for (std::int64_t r = 0; r < rows_; ++r) {
    for (auto k = unit.indptr[r]; k < unit.indptr[r + 1]; ++k) {
      const auto at = fill[static_cast<std::size_t>(unit.indices[k])]++;
      posting_rows_[static_cast<std::size_t>(at)] = r;
      posting_weights_[static_cast<std::size_t>(at)] = unit.data[k];
    }
  }
}

std::vector<std::vector<SparseHit>> SparseIndex::search(const CsrMatrix& queries, std::int64_t k) const {
  queries.validate("queries");
  EMBED_CHECK(queries.cols == cols_, "queries have {} columns, the index {}", queries.cols, cols_);
  EMBED_CHECK(k > 0, "k must be positive, got {}", k);
  std::vector<std::vector<SparseHit>> out(static_cast<std::size_t>(queries.rows));
  parallel_for(queries.rows, std::max<std::int64_t>(1, rows_ / 8), [&](std::int64_t lo, std::int64_t hi) {
    std::vector<double> score(static_cast<std::size_t>(rows_), 0.0);
    std::vector<char> marked(static_cast<std::size_t>(rows_), 0);
    std::vector<std::int64_t> touched;
    for (std::int64_t q = lo; q < hi; ++q) {
      double norm = 0;
      for (auto j = queries.indptr[q]; j < queries.indptr[q + 1]; ++j) norm += queries.data[j] * queries.data[j];
      if (norm == 0) continue;
      norm = score_ == SparseScore::cosine ? std::sqrt(norm) : 1.0;
      touched.clear();
      for (auto j = queries.indptr[q]; j < queries.indptr[q + 1]; ++j) {
        const double w = queries.data[j] / norm;
        const auto c = static_cast<std::size_t>(queries.indices[j]);
        for (auto p = postings_ptr_[c]; p < postings_ptr_[c + 1]; ++p) {
          const auto r = static_cast<std::size_t>(posting_rows_[static_cast<std::size_t>(p)]);
          if (!marked[r]) {
            marked[r] = 1;
            touched.push_back(static_cast<std::int64_t>(r));
          }
          score[r] += w * posting_weights_[static_cast<std::size_t>(p)];
        }
      }
      std::vector<SparseHit> hits;
      hits.reserve(touched.size());
      for (std::int64_t r : touched) {
        if (score[static_cast<std::size_t>(r)] != 0) hits.push_back({r, score[static_cast<std::size_t>(r)]});
        score[static_cast<std::size_t>(r)] = 0;
        marked[static_cast<std::size_t>(r)] = 0;
      }
      const auto better = [](const SparseHit& a, const SparseHit& b) {
        return a.score != b.score ? a.score > b.score : a.row < b.row;
      };
      const auto top = std::min<std::size_t>(hits.size(), static_cast<std::size_t>(k));
      std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(top), hits.end(), better);
      hits.resize(top);
      out[static_cast<std::size_t>(q)] = std::move(hits);
    }
  });
  return out;
}

}  // namespace embed::text
