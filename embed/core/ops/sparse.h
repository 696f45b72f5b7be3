// Compressed sparse row matrices and sparse x dense products: the adjacency
// products of graph networks (Kipf & Welling 2017) and sparse feature inputs.
#pragma once

#include "embed/core/tensor.h"

namespace embed {

// Row r holds entries k in [indptr[r], indptr[r+1]): column indices[k], value
// values[k]. values may require grad (learned edge weights).
struct CsrMatrix {
  std::int64_t rows = 0, cols = 0;
  Tensor indptr;   // i64 [rows + 1], non-decreasing from 0 to nnz
  Tensor indices;  // i64 [nnz], each in [0, cols)
  Tensor values;   // f32 [nnz]

  // Checks the invariants above and converts the index arrays to contiguous i64.
  CsrMatrix(std::int64_t rows, std::int64_t cols, Tensor indptr, Tensor indices, Tensor values);
  // From coordinate lists; entries are ordered by (row, col), duplicates kept
  // (they add up in products). The values' order change is recorded for autograd.
  static CsrMatrix from_coo(std::int64_t rows, std::int64_t cols, const Tensor& row_ids, const Tensor& col_ids,
                            const Tensor& values);
  std::int64_t nnz() const { return indices.numel(); }
  Tensor to_dense() const;  // not differentiable
};

// A [rows, cols] · x [cols, d] -> [rows, d].
// d/dx = Aᵀ · g; d/dvalues[k] = <g[row k], x[indices[k]]>.
Tensor spmm(const CsrMatrix& a, const Tensor& x);

}  // namespace embed
