// Exact cosine top-k over sparse rows (TF-IDF, bag-of-words), through an
// inverted index: each query touches only the documents that share a term
// with it, so a query costs sum over its terms of the term's posting list,
// not the collection size.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "embed/text/sparse/csr.h"

namespace embed::text {

struct SparseHit {
  std::int64_t row;  // document row
  double score;      // cosine similarity
};

class SparseIndex {
 public:
  // Indexes the rows of `documents` (scaled to unit L2 norm here, so any
  // weighting works; zero rows never match).
  explicit SparseIndex(const CsrMatrix& documents);
  std::int64_t size() const { return rows_; }
  std::int64_t dim() const { return cols_; }
  // The k best documents for each query row, best first; equal scores by row.
  // Documents sharing no term with a query are not returned.
  std::vector<std::vector<SparseHit>> search(const CsrMatrix& queries, std::int64_t k) const;

 private:
  std::int64_t rows_, cols_;
  std::vector<std::int64_t> postings_ptr_;  // per term, into rows/weights (CSC of the documents)
  std::vector<std::int64_t> posting_rows_;
  std::vector<double> posting_weights_;
};

}  // namespace embed::text
