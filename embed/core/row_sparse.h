// Row-sparse gradients. The gradient of an embedding table after one batch
// touches only the rows that were looked up; storing just those rows (ids +
// values) instead of the whole [num, dim] table makes the backward and an
// SGD or SparseAdam step cost O(rows used · dim), as PyTorch's
// nn.Embedding(sparse=True). A row-sparse tensor is an ordinary tensor of the
// values [k, ...] whose TensorImpl also carries the sorted unique row ids and
// the full row count. Only gradients are row-sparse: autograd accumulates
// them into leaves, densifies them anywhere else, and Tensor::grad() always
// returns the dense form.
#pragma once

#include "embed/core/tensor.h"

namespace embed {

// Sums the rows of `values` [n, ...] that share an id (ids: integer [n], in
// [0, rows)) into a row-sparse tensor with sorted unique ids. Deterministic:
// equal ids add in their order in `ids`.
Tensor coalesce_rows(const Tensor& ids, const Tensor& values, std::int64_t rows);

bool is_row_sparse(const Tensor& t);
Tensor row_ids(const Tensor& t);     // i64 [k]
Tensor row_values(const Tensor& t);  // the values [k, ...] as an ordinary (not row-sparse) tensor
Shape dense_shape(const Tensor& t);  // [rows, ...]; t.shape() for a dense tensor
Tensor to_dense(const Tensor& t);    // a dense tensor is returned as is
// a + b for two row-sparse tensors of the same dense shape.
Tensor add_row_sparse(const Tensor& a, const Tensor& b);
// dense[ids] += values, in place (dense contiguous f32).
void add_rows_into(const Tensor& dense, const Tensor& sparse);

}  // namespace embed
