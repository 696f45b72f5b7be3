// Shape ops: views that share storage (reshape of contiguous data, transpose,
// permute, slice, expand, squeeze/unsqueeze) and copies (concat, stack, pad).
// Each records its backward rule, which is the inverse rearrangement.
#pragma once

#include <vector>

#include "embed/core/tensor.h"

namespace embed {

// One size may be -1 (inferred). A view when x is contiguous, else a copy.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor flatten(const Tensor& x, std::int64_t start_axis = 0, std::int64_t end_axis = -1);
Tensor transpose(const Tensor& x, std::int64_t a, std::int64_t b);
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& order);
// Elements start, start+step, ... < end along `axis` (negative start/end count from the end).
Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end, std::int64_t step = 1);
// Broadcast to `shape` without copying (stride 0); -1 keeps a size.
Tensor expand(const Tensor& x, const Shape& shape);
Tensor unsqueeze(const Tensor& x, std::int64_t axis);
Tensor squeeze(const Tensor& x, std::int64_t axis);
Tensor concat(const std::vector<Tensor>& xs, std::int64_t axis);
Tensor stack(const std::vector<Tensor>& xs, std::int64_t axis);
// Pieces of the given sizes along axis (views).
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t axis);
// Constant padding; `pads` lists (before, after) pairs from the last axis
// backwards, as torch.nn.functional.pad.
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, float value = 0.0f);

}  // namespace embed
