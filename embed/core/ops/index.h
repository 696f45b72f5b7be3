// Ops that move values by integer indices: gather/scatter along an axis, row
// selection, one-hot, and the segment reductions that graph networks pool and
// normalise with (a segment = the rows sharing an id, e.g. a node's edges).
#pragma once

#include "embed/core/tensor.h"

namespace embed {

// out[i][j][k] = x[i][index[i][j][k]][k] for axis 1 (likewise for any axis).
// index: i32/i64 of x's rank with index.shape[d] <= x.shape[d] for d != axis.
// d/dx = scatter_add(0, axis, index, g).
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index);

// out = x; out[i][index[i][j][k]][k] += src[i][j][k] for axis 1. src has the
// index's shape. d/dx = g, d/dsrc = gather(g, axis, index).
Tensor scatter_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src);

// The slices of x at positions `index` (1-D) along `axis`.
// d/dx = index_add(0, axis, index, g).
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index);

// out = x; out[.., index[i], ..] += src[.., i, ..] along `axis` (repeated
// indices accumulate). d/dx = g, d/dsrc = index_select(g, axis, index).
Tensor index_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src);

// ids (any shape, integer) -> ids.shape + [num_classes] with a 1 at each id.
// num_classes < 0 uses max(ids) + 1. Not differentiable.
Tensor one_hot(const Tensor& ids, std::int64_t num_classes = -1, DType dtype = DType::f32);

// Segment reductions over axis 0: x [E, ...], segment_ids [E] with values in
// [0, num_segments) -> [num_segments, ...]. Empty segments give 0.
Tensor segment_sum(const Tensor& x, const Tensor& segment_ids, std::int64_t num_segments);
Tensor segment_mean(const Tensor& x, const Tensor& segment_ids, std::int64_t num_segments);
// The gradient goes to the first maximal row of each segment.
Tensor segment_max(const Tensor& x, const Tensor& segment_ids, std::int64_t num_segments);
// softmax over the rows of each segment, per column: exp(x_e - m_s) / Σ_{e' ∈ s} exp(x_e' - m_s)
// with m_s the segment's max (the attention normalisation of GAT, Veličković et al. 2018).
Tensor segment_softmax(const Tensor& x, const Tensor& segment_ids, std::int64_t num_segments);

}  // namespace embed
