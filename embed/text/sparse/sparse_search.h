// Exact top-k over sparse rows through an inverted index, by cosine (TF-IDF,
// bag-of-words) or by inner product (BM25's weights against the query's
// token counts, embed/text/sparse/bm25.h): each query touches only the documents that share a term
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
  double score;      // cosine similarity, or inner product
};

enum class SparseScore { cosine, inner_product };

class SparseIndex {
 public:
  // Indexes the rows of `documents`: for cosine they are scaled to unit L2
  // norm here (so any weighting works; zero rows never match), as are the
  // queries; for inner_product both are used as they are.
  explicit SparseIndex(const CsrMatrix& documents, SparseScore score = SparseScore::cosine);
  std::int64_t size() const { return rows_; }
  std::int64_t dim() const { return cols_; }
  // The k best documents for each query row, best first; equal scores by row.
  // Documents sharing no term with a query are not returned.
  std::vector<std::vector<SparseHit>> search(const CsrMatrix& queries, std::int64_t k) const;

 private:
  std::int64_t rows_, cols_;
  SparseScore score_;
  std::vector<std::int64_t> postings_ptr_;  // per term, into rows/weights (CSC of the documents)
  std::vector<std::int64_t> posting_rows_;
  std::vector<double> posting_weights_;
};

}  // namespace embed::text
