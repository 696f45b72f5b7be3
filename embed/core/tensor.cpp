#include "embed/core/tensor.h"

#include <cstring>

#include "embed/core/autograd.h"
#include "embed/core/rng.h"
#include "embed/core/row_sparse.h"

namespace embed {

namespace {

std::shared_ptr<TensorImpl> make_impl(const Shape& shape, DType dtype, bool zero_fill) {
  for (auto d : shape) EMBED_CHECK(d >= 0, "negative dimension in shape {}", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::allocate(static_cast<std::size_t>(numel(shape)) * dtype_size(dtype), zero_fill);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return impl;
}

// Strided copy of any dtype into a contiguous destination.
template <typename T>
void copy_strided(const Tensor& src, T* dst) {
  const T* base = static_cast<const T*>(src.storage()->data());
  if (src.is_contiguous()) {
    std::memcpy(dst, base + src.offset(), static_cast<std::size_t>(src.numel()) * sizeof(T));
    return;
  }
  for_each_offset(src.shape(), src.strides(), src.offset(),
                  [&](std::int64_t i, std::int64_t off) { dst[i] = base[off]; });
}

void copy_into_contiguous(const Tensor& src, Tensor& dst) {
  switch (src.dtype()) {
    case DType::f32: copy_strided(src, dst.data<float>()); break;
    case DType::i32: copy_strided(src, dst.data<std::int32_t>()); break;
    case DType::i64: copy_strided(src, dst.data<std::int64_t>()); break;
    case DType::u8: copy_strided(src, dst.data<std::uint8_t>()); break;
  }
}

template <typename To, typename From>
void convert(const Tensor& src, To* dst) {
  const From* base = static_cast<const From*>(src.storage()->data());
  for_each_offset(src.shape(), src.strides(), src.offset(),
                  [&](std::int64_t i, std::int64_t off) { dst[i] = static_cast<To>(base[off]); });
}

template <typename To>
void convert_from(const Tensor& src, To* dst) {
  switch (src.dtype()) {
    case DType::f32: convert<To, float>(src, dst); break;
    case DType::i32: convert<To, std::int32_t>(src, dst); break;
    case DType::i64: convert<To, std::int64_t>(src, dst); break;
    case DType::u8: convert<To, std::uint8_t>(src, dst); break;
  }
}

}  // namespace

// empty skips the zero fill: a kernel that writes every element should not pay for it twice.
Tensor Tensor::empty(const Shape& shape, DType dtype) { return Tensor(make_impl(shape, dtype, false)); }
Tensor Tensor::zeros(const Shape& shape, DType dtype) { return Tensor(make_impl(shape, dtype, true)); }

Tensor Tensor::ones(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  const std::int64_t n = t.numel();
  switch (dtype) {
    case DType::f32: std::fill_n(t.data<float>(), n, 1.0f); break;
    case DType::i32: std::fill_n(t.data<std::int32_t>(), n, 1); break;
    case DType::i64: std::fill_n(t.data<std::int64_t>(), n, 1); break;
    case DType::u8: std::fill_n(t.data<std::uint8_t>(), n, 1); break;
  }
  return t;
}

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  std::fill_n(t.data<float>(), t.numel(), value);
  return t;
}

Tensor Tensor::scalar(float value) { return full({}, value); }

Tensor Tensor::arange(std::int64_t n, DType dtype) {
  Tensor t = empty({n}, DType::i64);
  auto* p = t.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) p[i] = i;
  return dtype == DType::i64 ? t : t.to(dtype);
}

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  EMBED_CHECK(static_cast<std::int64_t>(values.size()) == embed::numel(shape), "{} values cannot fill shape {}",
              values.size(), shape_str(shape));
  Tensor t = empty(shape, dtype_of<T>());
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}
template Tensor Tensor::from_vector(const std::vector<float>&, const Shape&);
template Tensor Tensor::from_vector(const std::vector<std::int32_t>&, const Shape&);
template Tensor Tensor::from_vector(const std::vector<std::int64_t>&, const Shape&);
template Tensor Tensor::from_vector(const std::vector<std::uint8_t>&, const Shape&);

Tensor Tensor::randn(const Shape& shape, Generator& gen) {
  Tensor t = empty(shape);
  float* p = t.data<float>();
  for (std::int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = gen.normal();
  return t;
}

Tensor Tensor::uniform(const Shape& shape, float lo, float hi, Generator& gen) {
  Tensor t = empty(shape);
  float* p = t.data<float>();
  for (std::int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = lo + (hi - lo) * gen.uniform();
  return t;
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, const Shape& shape, DType dtype, std::int64_t offset) {
  const auto needed = static_cast<std::size_t>(offset + embed::numel(shape)) * dtype_size(dtype);
  EMBED_CHECK(storage && needed <= storage->nbytes(), "shape {} of {} at offset {} exceeds storage of {} bytes",
              shape_str(shape), dtype_name(dtype), offset, storage ? storage->nbytes() : 0);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->offset = offset;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

TensorImpl& Tensor::impl() const {
  EMBED_CHECK(impl_ != nullptr, "use of an undefined tensor");
  return *impl_;
}

std::int64_t Tensor::size(std::int64_t axis) const { return shape()[normalize_axis(axis, shape().size())]; }

bool Tensor::is_contiguous() const {
  std::int64_t expected = 1;
  const auto& im = impl();
  for (std::size_t d = im.shape.size(); d-- > 0;) {
    if (im.shape[d] == 1) continue;  // stride of a size-1 axis never matters
    if (im.strides[d] != expected) return false;
    expected *= im.shape[d];
  }
  return true;
}

float Tensor::item() const {
  EMBED_CHECK(numel() == 1, "item() needs one element, tensor is {}", describe(*this));
  return dtype() == DType::f32 ? at<float>(0) : to(DType::f32).at<float>(0);
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype());
  copy_into_contiguous(*this, out);
  if (dtype() != DType::f32) return out;
  return record(out, "clone", {*this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return detach();
  Tensor out = empty(shape(), target);
  switch (target) {
    case DType::f32: convert_from(*this, out.data<float>()); break;
    case DType::i32: convert_from(*this, out.data<std::int32_t>()); break;
    case DType::i64: convert_from(*this, out.data<std::int64_t>()); break;
    case DType::u8: convert_from(*this, out.data<std::uint8_t>()); break;
  }
  return out;
}

Tensor Tensor::grad() const {
  const Tensor g = stored_grad();
  return g.defined() && g.impl().sparse_rows ? to_dense(g) : g;
}

Tensor& Tensor::set_requires_grad(bool on) {
  EMBED_CHECK(is_leaf(), "requires_grad can only be set on a leaf tensor");
  EMBED_CHECK(!on || dtype() == DType::f32, "only f32 tensors can require grad, got {}", describe(*this));
  impl().requires_grad = on;
  return *this;
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = storage();
  impl->shape = shape();
  impl->strides = strides();
  impl->offset = offset();
  impl->dtype = dtype();
  return Tensor(std::move(impl));
}

std::string describe(const Tensor& t) {
  if (!t.defined()) return "undefined";
  return fmt::format("{}{}", dtype_name(t.dtype()), shape_str(t.shape()));
}

}  // namespace embed
