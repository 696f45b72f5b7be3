// embedcpp: file formats and training utilities.
#include <pybind11/stl.h>

#include "embed/io/json_config.h"
#include "embed/io/npy.h"
#include "embed/io/safetensors.h"
#include "embed/nn/optim.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace embed::python {

void bind_io(py::module_& m) {
  m.def("load_safetensors", [](const std::string& path) {
    auto st = load_safetensors(path);
    return std::make_pair(st.tensors, st.metadata);
  });
  m.def("save_safetensors", &save_safetensors, py::arg("path"), py::arg("tensors"),
        py::arg("metadata") = std::map<std::string, std::string>{});
  m.def("load_npy", &load_npy);
  m.def("save_npy", &save_npy);
  m.def("load_json", [](const std::string& path) { return load_json(path).dump(); });
}

void bind_nn(py::module_& m) {
  py::class_<nn::Optimizer>(m, "Optimizer")
      .def("step", &nn::Optimizer::step)
      .def("zero_grad", &nn::Optimizer::zero_grad)
      .def_property("lr", &nn::Optimizer::lr, &nn::Optimizer::set_lr);
  py::class_<nn::SGD, nn::Optimizer>(m, "SGD").def(
      py::init(
          [](std::vector<Tensor> params, float lr, float momentum, float dampening, float weight_decay, bool nesterov) {
            return new nn::SGD(std::move(params), {lr, momentum, dampening, weight_decay, nesterov});
          }),
      py::arg("params"), py::arg("lr"), py::arg("momentum") = 0.0f, py::arg("dampening") = 0.0f,
      py::arg("weight_decay") = 0.0f, py::arg("nesterov") = false);
  py::class_<nn::Adam, nn::Optimizer>(m, "Adam").def(
      py::init([](std::vector<Tensor> params, float lr, std::pair<float, float> betas, float eps, float weight_decay,
                  bool decoupled) {
        return new nn::Adam(std::move(params), {lr, betas.first, betas.second, eps, weight_decay, decoupled});
      }),
      py::arg("params"), py::arg("lr") = 1e-3f, py::arg("betas") = std::make_pair(0.9f, 0.999f), py::arg("eps") = 1e-8f,
      py::arg("weight_decay") = 0.0f, py::arg("decoupled") = false);
  py::class_<nn::SparseAdam, nn::Optimizer>(m, "SparseAdam")
      .def(py::init([](std::vector<Tensor> params, float lr, std::pair<float, float> betas, float eps) {
             return new nn::SparseAdam(std::move(params), {lr, betas.first, betas.second, eps});
           }),
           py::arg("params"), py::arg("lr") = 1e-3f, py::arg("betas") = std::make_pair(0.9f, 0.999f),
           py::arg("eps") = 1e-8f);
  m.def("clip_grad_norm", &nn::clip_grad_norm);
  m.def("warmup_linear", &nn::warmup_linear);
  m.def("warmup_cosine", &nn::warmup_cosine);
  m.def("step_decay", &nn::step_decay);
}

}  // namespace embed::python
