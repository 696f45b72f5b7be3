// Tensor: a typed, strided view of refcounted Storage, plus the autograd state
// (requires_grad, accumulated grad, the node that produced it).
//
// Copying a Tensor copies a handle: both copies name the same tensor, as in
// PyTorch. Views (reshape, transpose, slice, expand) share storage and have
// their own shape/strides/offset. Ops live in embed/core/ops/*.h as free
// functions; this class only holds data and metadata.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "embed/core/dtype.h"
#include "embed/core/error.h"
#include "embed/core/shape.h"
#include "embed/core/storage.h"

namespace embed {

struct Node;
class Generator;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;            // in elements
  std::int64_t offset = 0;  // in elements, into storage
  DType dtype = DType::f32;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient of a leaf
  std::shared_ptr<Node> grad_fn;     // the op that produced this tensor, if recorded
  // Set when this tensor is a row-sparse gradient (embed/core/row_sparse.h):
  // the i64 ids (sorted, unique) of the rows it holds; its own data are those
  // rows' values, and dense_rows is the row count of the full tensor.
  std::shared_ptr<TensorImpl> sparse_rows;
  std::int64_t dense_rows = 0;
};

class Tensor {
 public:
  Tensor() = default;  // undefined: holds nothing
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // --- creation (contiguous, owned storage) ---
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32);
  static Tensor ones(const Shape& shape, DType dtype = DType::f32);
  static Tensor full(const Shape& shape, float value);
  static Tensor scalar(float value);
  static Tensor arange(std::int64_t n, DType dtype = DType::f32);
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
  // Standard normal and uniform [lo, hi) samples drawn in row-major order.
  static Tensor randn(const Shape& shape, Generator& gen);
  static Tensor uniform(const Shape& shape, float lo, float hi, Generator& gen);
  // A view of existing storage (used by loaders for zero-copy mmap tensors).
  static Tensor from_storage(std::shared_ptr<Storage> storage, const Shape& shape, DType dtype,
                             std::int64_t offset = 0);

  // --- metadata ---
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Shape& strides() const { return impl().strides; }
  std::int64_t offset() const { return impl().offset; }
  std::int64_t dim() const { return static_cast<std::int64_t>(impl().shape.size()); }
  std::int64_t size(std::int64_t axis) const;
  std::int64_t numel() const { return embed::numel(impl().shape); }
  DType dtype() const { return impl().dtype; }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }

  // --- data ---
  // Pointer to the first element (at offset); the dtype must match T.
  template <typename T>
  T* data() const;
  // Element at a flat row-major index, honouring strides (slow; for tests and printing).
  template <typename T>
  T at(std::int64_t flat_index) const;
  template <typename T>
  std::vector<T> to_vector() const;
  float item() const;
  // Contiguous tensor with the same values: this tensor if already contiguous.
  // Records autograd (identity gradient).
  Tensor contiguous() const;
  // A contiguous deep copy (recorded by autograd).
  Tensor clone() const;
  // Same values in another dtype (no gradient).
  Tensor to(DType dtype) const;

  // --- autograd ---
  bool requires_grad() const { return impl().requires_grad; }
  // Marks a leaf as a parameter to differentiate; throws on a non-leaf.
  Tensor& set_requires_grad(bool on = true);
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  // The accumulated gradient, always dense (a row-sparse one is expanded).
  Tensor grad() const;
  // The gradient as stored: row-sparse after a sparse embedding backward.
  Tensor stored_grad() const { return impl().grad ? Tensor(impl().grad) : Tensor(); }
  void set_grad(const Tensor& g) const { impl_->grad = g.impl_; }
  void zero_grad() const { impl_->grad.reset(); }
  // Back-propagate from this tensor. `grad` defaults to 1 for a scalar.
  // The graph is freed afterwards unless retain_graph.
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false) const;
  // Same data, cut from the graph.
  Tensor detach() const;
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }

  // Two handles to the same tensor?
  bool same(const Tensor& other) const { return impl_ == other.impl_; }
  TensorImpl& impl() const;
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::string describe(const Tensor& t);  // "f32[2, 3]" for messages

// Visits every element of `t` in row-major order as (flat index, element offset in storage).
// Walks the strides with a counter, so it works for any view.
template <typename F>
void for_each_offset(const Shape& shape, const Shape& strides, std::int64_t offset, F&& f) {
  const std::int64_t n = numel(shape);
  if (n == 0) return;
  const std::size_t rank = shape.size();
  if (rank == 0) {
    f(std::int64_t{0}, offset);
    return;
  }
  std::vector<std::int64_t> idx(rank, 0);
  const std::int64_t inner = shape[rank - 1];
  const std::int64_t inner_stride = strides[rank - 1];
  std::int64_t base = offset;
  for (std::int64_t flat = 0; flat < n; flat += inner) {
    for (std::int64_t j = 0; j < inner; ++j) f(flat + j, base + j * inner_stride);
    for (std::size_t d = rank - 1; d-- > 0;) {
      ++idx[d];
      base += strides[d];
      if (idx[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

template <typename T>
T* Tensor::data() const {
  EMBED_CHECK(dtype_of<T>() == dtype(), "tensor holds {} but {} was requested", dtype_name(dtype()),
              dtype_name(dtype_of<T>()));
  return static_cast<T*>(impl().storage->data()) + impl().offset;
}

template <typename T>
T Tensor::at(std::int64_t flat_index) const {
  const auto& im = impl();
  std::int64_t off = im.offset;
  std::int64_t rem = flat_index;
  for (std::size_t d = im.shape.size(); d-- > 0;) {
    off += (rem % im.shape[d]) * im.strides[d];
    rem /= im.shape[d];
  }
  EMBED_CHECK(dtype_of<T>() == im.dtype, "tensor holds {}", dtype_name(im.dtype));
  return static_cast<const T*>(im.storage->data())[off];
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  EMBED_CHECK(dtype_of<T>() == dtype(), "tensor holds {} but {} was requested", dtype_name(dtype()),
              dtype_name(dtype_of<T>()));
  std::vector<T> out(static_cast<std::size_t>(numel()));
  const T* base = static_cast<const T*>(impl().storage->data());
  for_each_offset(shape(), strides(), offset(),
                  [&](std::int64_t i, std::int64_t off) { out[static_cast<std::size_t>(i)] = base[off]; });
  return out;
}

}  // namespace embed
