// Pieces of the embedcpp module, one file per library area.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "embed/core/tensor.h"

namespace embed::python {

Tensor tensor_from_numpy(const pybind11::array& a);

// A 1-D numpy array that takes over `v`'s memory (no copy: large results
// would otherwise be copied into fresh pages, which costs more than the copy).
template <typename T>
pybind11::array_t<T> vector_to_numpy(std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  pybind11::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return pybind11::array_t<T>(static_cast<pybind11::ssize_t>(owned->size()), owned->data(), free_when_done);
}
pybind11::array tensor_to_numpy(const Tensor& t);

void bind_io(pybind11::module_& m);
void bind_nn(pybind11::module_& m);
void bind_conv_index(pybind11::module_& m);
void bind_modules(pybind11::module_& m);
void bind_text(pybind11::module_& m);
void bind_sparse(pybind11::module_& m);
void bind_static(pybind11::module_& m);
void bind_search(pybind11::module_& m);
void bind_eval(pybind11::module_& m);

}  // namespace embed::python
