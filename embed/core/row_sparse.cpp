#include "embed/core/row_sparse.h"

#include <algorithm>
#include <numeric>

namespace embed {

namespace {

std::int64_t row_width(const Tensor& values) {
  return values.dim() == 0 || values.shape()[0] == 0 ? 0 : values.numel() / values.shape()[0];
}

}  // namespace

Tensor coalesce_rows(const Tensor& ids_in, const Tensor& values_in, std::int64_t rows) {
  EMBED_CHECK(ids_in.dtype() == DType::i64 || ids_in.dtype() == DType::i32, "row ids must be integers, got {}",
              describe(ids_in));
  EMBED_CHECK(values_in.dtype() == DType::f32 && values_in.dim() >= 1 && ids_in.dim() == 1 &&
                  values_in.shape()[0] == ids_in.numel(),
              "row-sparse values {} need one row per id in {}", describe(values_in), describe(ids_in));
  const Tensor ids = ids_in.to(DType::i64).contiguous();
  const Tensor values = values_in.detach().contiguous();
  const auto* pi = ids.data<std::int64_t>();
  const std::int64_t n = ids.numel(), width = row_width(values);
  for (std::int64_t i = 0; i < n; ++i)
    EMBED_CHECK(pi[i] >= 0 && pi[i] < rows, "row id {} is outside [0, {})", pi[i], rows);
  std::vector<std::int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [pi](std::int64_t a, std::int64_t b) { return pi[a] < pi[b]; });
  std::vector<std::int64_t> unique;
  for (std::int64_t k : order)
    if (unique.empty() || unique.back() != pi[k]) unique.push_back(pi[k]);
  Shape shape = values.shape();
  shape[0] = static_cast<std::int64_t>(unique.size());
  Tensor out = Tensor::zeros(shape);
  float* po = out.data<float>();
  const float* pv = values.data<float>();
  std::int64_t slot = -1, last = -1;
  for (std::int64_t k : order) {
    if (pi[k] != last) {
      ++slot;
      last = pi[k];
    }
    float* dst = po + slot * width;
    const float* src = pv + k * width;
    for (std::int64_t j = 0; j < width; ++j) dst[j] += src[j];
  }
  const auto k = static_cast<std::int64_t>(unique.size());
  out.impl().sparse_rows = Tensor::from_vector(unique, {k}).impl_ptr();
  out.impl().dense_rows = rows;
  return out;
}

bool is_row_sparse(const Tensor& t) { return t.defined() && t.impl().sparse_rows != nullptr; }

Tensor row_ids(const Tensor& t) {
  EMBED_CHECK(is_row_sparse(t), "row_ids of a tensor that is not row-sparse: {}", describe(t));
  return Tensor(t.impl().sparse_rows);
}

Tensor row_values(const Tensor& t) {
  EMBED_CHECK(is_row_sparse(t), "row_values of a tensor that is not row-sparse: {}", describe(t));
  return Tensor::from_storage(t.storage(), t.shape(), t.dtype(), t.offset());  // same bytes, no flag
}

Shape dense_shape(const Tensor& t) {
  if (!is_row_sparse(t)) return t.shape();
  Shape shape = t.shape();
  shape[0] = t.impl().dense_rows;
  return shape;
}

Tensor to_dense(const Tensor& t) {
  if (!is_row_sparse(t)) return t;
  Tensor out = Tensor::zeros(dense_shape(t));
  add_rows_into(out, t);
  return out;
}

Tensor add_row_sparse(const Tensor& a, const Tensor& b) {
  EMBED_CHECK(is_row_sparse(a) && is_row_sparse(b) && dense_shape(a) == dense_shape(b),
              "add_row_sparse needs two row-sparse tensors of one shape, got {} and {}", describe(a), describe(b));
  // Plain (non-sparse) views of the values, so concat sees ordinary tensors.
  std::vector<std::int64_t> ids = row_ids(a).to_vector<std::int64_t>();
  const std::vector<std::int64_t> more = row_ids(b).to_vector<std::int64_t>();
  ids.insert(ids.end(), more.begin(), more.end());
  Shape shape = a.shape();
  shape[0] = static_cast<std::int64_t>(ids.size());
  Tensor values = Tensor::empty(shape);
  const Tensor va = row_values(a).contiguous(), vb = row_values(b).contiguous();
  std::copy_n(va.data<float>(), va.numel(), values.data<float>());
  std::copy_n(vb.data<float>(), vb.numel(), values.data<float>() + va.numel());
  return coalesce_rows(Tensor::from_vector(ids, {shape[0]}), values, a.impl().dense_rows);
}

void add_rows_into(const Tensor& dense, const Tensor& sparse) {
  EMBED_CHECK(dense.dtype() == DType::f32 && dense.is_contiguous() && dense.shape() == dense_shape(sparse),
              "cannot add row-sparse {} into {}", describe(sparse), describe(dense));
  const Tensor ids = row_ids(sparse);
  const Tensor values = row_values(sparse).contiguous();
  const std::int64_t width = row_width(values);
  const auto* pi = ids.data<std::int64_t>();
  const float* pv = values.data<float>();
  float* pd = dense.data<float>();
  for (std::int64_t k = 0; k < ids.numel(); ++k) {
    float* dst = pd + pi[k] * width;
    const float* src = pv + k * width;
    for (std::int64_t j = 0; j < width; ++j) dst[j] += src[j];
  }
}

}  // namespace embed
