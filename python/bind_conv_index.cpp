// embedcpp: convolution, pooling, batch norm, index/segment ops and CSR products.
#include <pybind11/stl.h>

#include "embed/core/ops/conv.h"
#include "embed/core/ops/index.h"
#include "embed/core/ops/nn.h"
#include "embed/core/ops/sparse.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace embed::python {

void bind_conv_index(py::module_& m) {
  m.def("conv2d", &conv2d, py::arg("x"), py::arg("weight"), py::arg("bias") = Tensor(), py::arg("stride") = Pair{1, 1},
        py::arg("padding") = Pair{0, 0}, py::arg("dilation") = Pair{1, 1}, py::arg("groups") = 1);
  m.def("conv1d", &conv1d, py::arg("x"), py::arg("weight"), py::arg("bias") = Tensor(), py::arg("stride") = 1,
        py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1);
  m.def("max_pool2d", &max_pool2d, py::arg("x"), py::arg("kernel"), py::arg("stride") = Pair{0, 0},
        py::arg("padding") = Pair{0, 0}, py::arg("dilation") = Pair{1, 1});
  m.def("max_pool1d", &max_pool1d, py::arg("x"), py::arg("kernel"), py::arg("stride") = 0, py::arg("padding") = 0,
        py::arg("dilation") = 1);
  m.def("avg_pool2d", &avg_pool2d, py::arg("x"), py::arg("kernel"), py::arg("stride") = Pair{0, 0},
        py::arg("padding") = Pair{0, 0}, py::arg("count_include_pad") = true);
  m.def("avg_pool1d", &avg_pool1d, py::arg("x"), py::arg("kernel"), py::arg("stride") = 0, py::arg("padding") = 0,
        py::arg("count_include_pad") = true);
  m.def("adaptive_avg_pool2d", &adaptive_avg_pool2d);
  m.def("adaptive_avg_pool1d", &adaptive_avg_pool1d);
  m.def("batch_norm", &batch_norm, py::arg("x"), py::arg("running_mean") = Tensor(), py::arg("running_var") = Tensor(),
        py::arg("weight") = Tensor(), py::arg("bias") = Tensor(), py::arg("training") = true,
        py::arg("momentum") = 0.1f, py::arg("eps") = 1e-5f);

  m.def("gather", &gather);
  m.def("scatter_add", &scatter_add);
  m.def("index_select", &index_select);
  m.def("index_add", &index_add);
  m.def(
      "one_hot", [](const Tensor& ids, std::int64_t n) { return one_hot(ids, n); }, py::arg("ids"),
      py::arg("num_classes") = -1);
  m.def("segment_sum", &segment_sum);
  m.def("segment_mean", &segment_mean);
  m.def("segment_max", &segment_max);
  m.def("segment_softmax", &segment_softmax);

  py::class_<CsrMatrix>(m, "CsrMatrix")
      .def(py::init<std::int64_t, std::int64_t, Tensor, Tensor, Tensor>(), py::arg("rows"), py::arg("cols"),
           py::arg("indptr"), py::arg("indices"), py::arg("values"))
      .def_static("from_coo", &CsrMatrix::from_coo)
      .def_readonly("indptr", &CsrMatrix::indptr)
      .def_readonly("indices", &CsrMatrix::indices)
      .def_readonly("values", &CsrMatrix::values)
      .def("nnz", &CsrMatrix::nnz)
      .def("to_dense", &CsrMatrix::to_dense);
  m.def("spmm", &spmm);
}

}  // namespace embed::python
