// pybind11 module `embedcpp`: tensors to and from NumPy, every op, autograd.
// The oracle tests drive the library through it.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "embed/core/autograd.h"
#include "embed/core/ops/elementwise.h"
#include "embed/core/ops/loss.h"
#include "embed/core/ops/matmul.h"
#include "embed/core/ops/nn.h"
#include "embed/core/ops/reduce.h"
#include "embed/core/ops/shape.h"
#include "embed/core/parallel.h"
#include "embed/core/rng.h"
#include "embed/core/row_sparse.h"
#include "python/bindings.h"

namespace py = pybind11;
using embed::Tensor;

namespace embed::python {

namespace {

template <typename T>
Tensor from_array(const py::array& a) {
  auto c = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(a);
  Shape shape(c.shape(), c.shape() + c.ndim());
  Tensor t = Tensor::empty(shape, dtype_of<T>());
  std::copy_n(c.data(), t.numel(), t.data<T>());
  return t;
}

template <typename T>
py::array to_array(const Tensor& t) {
  const Tensor c = t.contiguous();
  py::array_t<T> out(std::vector<py::ssize_t>(c.shape().begin(), c.shape().end()));
  std::copy_n(c.data<T>(), c.numel(), out.mutable_data());
  return out;
}

}  // namespace

Tensor tensor_from_numpy(const py::array& a) {
  switch (a.dtype().kind()) {
    case 'f': return from_array<float>(a);
    case 'i': return a.dtype().itemsize() == 4 ? from_array<std::int32_t>(a) : from_array<std::int64_t>(a);
    case 'u':
      if (a.dtype().itemsize() == 1) return from_array<std::uint8_t>(a);
      break;
    case 'b': return from_array<std::uint8_t>(a);
    default: break;
  }
  throw InvalidArgument("unsupported numpy dtype " + std::string(py::str(a.dtype())));
}

py::array tensor_to_numpy(const Tensor& t) {
  switch (t.dtype()) {
    case DType::f32: return to_array<float>(t);
    case DType::i32: return to_array<std::int32_t>(t);
    case DType::i64: return to_array<std::int64_t>(t);
    case DType::u8: return to_array<std::uint8_t>(t);
  }
  return {};
}

}  // namespace embed::python

PYBIND11_MODULE(embedcpp, m) {
  using namespace embed;
  using python::tensor_from_numpy;
  m.doc() = "embed.cpp: tensors, autograd and ops";
  m.attr("__version__") = EMBED_VERSION;

  py::register_exception<InvalidArgument>(m, "InvalidArgument", PyExc_ValueError);
  py::register_exception<FormatError>(m, "FormatError", PyExc_ValueError);
  py::register_exception<IoError>(m, "IoError", PyExc_OSError);
  py::register_exception<Unsupported>(m, "Unsupported", PyExc_NotImplementedError);

  py::class_<Tensor> tensor_class(m, "Tensor");
  tensor_class
      .def(py::init([](const py::array& a, bool requires_grad) {
             Tensor t = tensor_from_numpy(a);
             if (requires_grad) t.set_requires_grad(true);
             return t;
           }),
           py::arg("array"), py::arg("requires_grad") = false)
      // None stands for an absent optional tensor (bias, mask, ...).
      .def(py::init([](const py::none&) { return Tensor(); }))
      .def("numpy", &python::tensor_to_numpy)
      .def_property_readonly("shape", [](const Tensor& t) { return t.shape(); })
      .def_property_readonly("strides", [](const Tensor& t) { return t.strides(); })
      .def_property_readonly("dtype", [](const Tensor& t) { return std::string(dtype_name(t.dtype())); })
      .def_property("requires_grad", &Tensor::requires_grad, [](Tensor& t, bool on) { t.set_requires_grad(on); })
      .def_property_readonly(
          "grad", [](const Tensor& t) -> py::object { return t.grad().defined() ? py::cast(t.grad()) : py::none(); })
      // (row ids, values) when the stored gradient is row-sparse, else None.
      .def_property_readonly("sparse_grad",
                             [](const Tensor& t) -> py::object {
                               const Tensor g = t.stored_grad();
                               if (!is_row_sparse(g)) return py::none();
                               return py::make_tuple(row_ids(g), row_values(g));
                             })
      .def("zero_grad", &Tensor::zero_grad)
      .def("backward", &Tensor::backward, py::arg("grad") = Tensor(), py::arg("retain_graph") = false)
      .def("detach", &Tensor::detach)
      .def("contiguous", &Tensor::contiguous)
      .def("clone", &Tensor::clone)
      .def("is_contiguous", &Tensor::is_contiguous)
      .def("item", &Tensor::item)
      .def("__repr__", [](const Tensor& t) { return "Tensor(" + describe(t) + ")"; });
  py::implicitly_convertible<py::none, Tensor>();
  py::implicitly_convertible<py::array, Tensor>();

  m.def("set_num_threads", &set_num_threads);
  m.def("num_threads", &num_threads);

  // elementwise
  m.def("add", py::overload_cast<const Tensor&, const Tensor&>(&add));
  m.def("add", py::overload_cast<const Tensor&, float>(&add));
  m.def("sub", &embed::sub);
  m.def("mul", py::overload_cast<const Tensor&, const Tensor&>(&mul));
  m.def("mul", py::overload_cast<const Tensor&, float>(&mul));
  m.def("div", &embed::div);
  m.def("neg", &neg);
  m.def("exp", &embed::exp);
  m.def("log", &embed::log);
  m.def("sqrt", &embed::sqrt);
  m.def("abs", &embed::abs);
  m.def("pow", &embed::pow);
  m.def("clamp", &clamp);
  m.def("relu", &relu);
  m.def(
      "gelu",
      [](const Tensor& x, const std::string& approximate) {
        EMBED_CHECK(approximate == "none" || approximate == "tanh", "gelu approximate must be none|tanh");
        return gelu(x, approximate == "tanh" ? GeluApprox::tanh : GeluApprox::none);
      },
      py::arg("x"), py::arg("approximate") = "none");
  m.def("silu", &silu);
  m.def("tanh", &embed::tanh);
  m.def("sigmoid", &sigmoid);
  m.def("leaky_relu", &leaky_relu, py::arg("x"), py::arg("negative_slope") = 0.01f);
  m.def("elu", &elu, py::arg("x"), py::arg("alpha") = 1.0f);

  // matmul
  m.def("matmul", &matmul);
  m.def("linear", &linear, py::arg("x"), py::arg("weight"), py::arg("bias") = Tensor());

  // reductions
  m.def("sum", &embed::sum, py::arg("x"), py::arg("axes") = Axes{}, py::arg("keepdim") = false);
  m.def("mean", &embed::mean, py::arg("x"), py::arg("axes") = Axes{}, py::arg("keepdim") = false);
  m.def("max", py::overload_cast<const Tensor&, std::int64_t, bool>(&embed::max), py::arg("x"), py::arg("axis"),
        py::arg("keepdim") = false);
  m.def("min", py::overload_cast<const Tensor&, std::int64_t, bool>(&embed::min), py::arg("x"), py::arg("axis"),
        py::arg("keepdim") = false);
  m.def("amax", py::overload_cast<const Tensor&>(&embed::max));
  m.def("amin", py::overload_cast<const Tensor&>(&embed::min));
  m.def("argmax", &argmax, py::arg("x"), py::arg("axis"), py::arg("keepdim") = false);
  m.def("argmin", &argmin, py::arg("x"), py::arg("axis"), py::arg("keepdim") = false);
  m.def("var", &var, py::arg("x"), py::arg("axes") = Axes{}, py::arg("correction") = 1, py::arg("keepdim") = false);
  m.def("norm", &norm, py::arg("x"), py::arg("p") = 2.0f, py::arg("axes") = Axes{}, py::arg("keepdim") = false);
  m.def("logsumexp", &logsumexp, py::arg("x"), py::arg("axis"), py::arg("keepdim") = false);

  // shape
  m.def("reshape", &reshape);
  m.def("flatten", &flatten, py::arg("x"), py::arg("start") = 0, py::arg("end") = -1);
  m.def("transpose", &transpose);
  m.def("permute", &permute);
  m.def("slice", &slice, py::arg("x"), py::arg("axis"), py::arg("start"), py::arg("end"), py::arg("step") = 1);
  m.def("expand", &expand);
  m.def("unsqueeze", &unsqueeze);
  m.def("squeeze", &squeeze);
  m.def("concat", &concat);
  m.def("stack", &stack);
  m.def("split", &split);
  m.def("pad", &pad, py::arg("x"), py::arg("pads"), py::arg("value") = 0.0f);

  // nn
  m.def("softmax", &softmax, py::arg("x"), py::arg("axis") = -1, py::arg("mask") = Tensor());
  m.def("log_softmax", &log_softmax, py::arg("x"), py::arg("axis") = -1, py::arg("mask") = Tensor());
  m.def("layer_norm", &layer_norm, py::arg("x"), py::arg("normalized_shape"), py::arg("weight") = Tensor(),
        py::arg("bias") = Tensor(), py::arg("eps") = 1e-5f);
  m.def("rms_norm", &rms_norm, py::arg("x"), py::arg("weight") = Tensor(), py::arg("eps") = 1e-6f);
  m.def(
      "dropout",
      [](const Tensor& x, float p, bool training, std::uint64_t seed) {
        Generator gen(seed);
        return dropout(x, p, training, gen);
      },
      py::arg("x"), py::arg("p"), py::arg("training") = true, py::arg("seed") = 0);
  m.def("embedding", &embedding, py::arg("ids"), py::arg("weight"), py::arg("padding_idx") = -1,
        py::arg("sparse_grad") = false);

  // losses
  auto reduction = [](const std::string& r) {
    if (r == "mean") return Reduction::mean;
    if (r == "sum") return Reduction::sum;
    EMBED_CHECK(r == "none", "reduction must be mean|sum|none, got '{}'", r);
    return Reduction::none;
  };
  m.def(
      "cross_entropy",
      [reduction](const Tensor& logits, const Tensor& targets, std::int64_t ignore_index, float label_smoothing,
                  const std::string& r) {
        return cross_entropy(logits, targets, ignore_index, label_smoothing, reduction(r));
      },
      py::arg("logits"), py::arg("targets"), py::arg("ignore_index") = -100, py::arg("label_smoothing") = 0.0f,
      py::arg("reduction") = "mean");
  m.def(
      "nll_loss",
      [reduction](const Tensor& lp, const Tensor& t, std::int64_t ignore_index, const std::string& r) {
        return nll_loss(lp, t, ignore_index, reduction(r));
      },
      py::arg("log_probs"), py::arg("targets"), py::arg("ignore_index") = -100, py::arg("reduction") = "mean");
  m.def(
      "mse_loss",
      [reduction](const Tensor& a, const Tensor& b, const std::string& r) { return mse_loss(a, b, reduction(r)); },
      py::arg("input"), py::arg("target"), py::arg("reduction") = "mean");
  m.def(
      "bce_with_logits",
      [reduction](const Tensor& a, const Tensor& b, const std::string& r) {
        return bce_with_logits(a, b, reduction(r));
      },
      py::arg("logits"), py::arg("targets"), py::arg("reduction") = "mean");
  m.def("cosine_similarity", &cosine_similarity, py::arg("a"), py::arg("b"), py::arg("axis") = -1,
        py::arg("eps") = 1e-8f);

  python::bind_io(m);
  python::bind_nn(m);
  python::bind_conv_index(m);
  python::bind_modules(m);
  python::bind_text(m);
  python::bind_sparse(m);
  python::bind_static(m);
  python::bind_search(m);
  python::bind_eval(m);
}
