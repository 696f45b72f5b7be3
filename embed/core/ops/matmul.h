// Matrix products on BLAS. Transposed views are passed to BLAS as transposes,
// never copied.
#pragma once

#include "embed/core/tensor.h"

namespace embed {

// a: [..., m, k], b: [..., k, n] -> [..., m, n], batch axes broadcast.
// Also 1-D operands as in torch.matmul: [k] @ [k, n] -> [n], [m, k] @ [k] -> [m].
// d/da = g · b^T, d/db = a^T · g (summed over broadcast batch axes).
Tensor matmul(const Tensor& a, const Tensor& b);

// y = x · w^T + bias, x: [..., in], w: [out, in], bias: [out] or undefined.
// Bias is written first and the product accumulated onto it (one pass).
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor());

}  // namespace embed
