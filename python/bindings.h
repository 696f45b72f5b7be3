// Pieces of the embedcpp module, one file per library area.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "embed/core/tensor.h"

namespace embed::python {

Tensor tensor_from_numpy(const pybind11::array& a);
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
