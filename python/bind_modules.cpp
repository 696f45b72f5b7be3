// embedcpp: nn modules. Each constructor takes a `seed` for its initial
// weights; tests copy PyTorch's weights in through load_state_dict.
#include <pybind11/stl.h>

#include "embed/nn/attention.h"
#include "embed/nn/conv.h"
#include "embed/nn/layers.h"
#include "embed/nn/rnn.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace embed::python {

namespace {

using nn::Module;
using nn::Unary;

template <typename M>
using UnaryClass = py::class_<M, Unary, std::shared_ptr<M>>;

nn::Activation::Kind activation_kind(const std::string& name) {
  using K = nn::Activation::Kind;
  if (name == "relu") return K::relu;
  if (name == "gelu") return K::gelu;
  if (name == "gelu_tanh") return K::gelu_tanh;
  if (name == "silu") return K::silu;
  if (name == "tanh") return K::tanh;
  EMBED_CHECK(name == "sigmoid", "unknown activation '{}' (relu|gelu|gelu_tanh|silu|tanh|sigmoid)", name);
  return K::sigmoid;
}

void bind_module_base(py::module_& m) {
  py::class_<Module, std::shared_ptr<Module>>(m, "Module")
      .def("named_parameters", &Module::named_parameters)
      .def("parameters", &Module::parameters)
      .def("state_dict", &Module::state_dict)
      .def("load_state_dict", &Module::load_state_dict, py::arg("state"), py::arg("strict") = true)
      .def("save", &Module::save)
      .def("load", &Module::load, py::arg("path"), py::arg("strict") = true)
      .def("train", &Module::train, py::arg("on") = true)
      .def("eval", [](Module& self) { self.train(false); })
      .def_property_readonly("training", &Module::training)
      .def("zero_grad", &Module::zero_grad);
  py::class_<Unary, Module, std::shared_ptr<Unary>>(m, "Unary")
      .def("forward", &Unary::forward)
      .def("__call__", &Unary::forward);
}

}  // namespace

void bind_modules(py::module_& m) {
  bind_module_base(m);
  UnaryClass<nn::Linear>(m, "Linear")
      .def(py::init([](std::int64_t in, std::int64_t out, bool bias, std::uint64_t seed) {
             Generator gen(seed);
             return std::make_shared<nn::Linear>(in, out, bias, gen);
           }),
           py::arg("in_features"), py::arg("out_features"), py::arg("bias") = true, py::arg("seed") = 0);
  UnaryClass<nn::Embedding>(m, "Embedding")
      .def(py::init(
               [](std::int64_t num, std::int64_t dim, std::int64_t padding_idx, bool sparse_grad, std::uint64_t seed) {
                 Generator gen(seed);
                 return std::make_shared<nn::Embedding>(num, dim, gen, padding_idx, sparse_grad);
               }),
           py::arg("num_embeddings"), py::arg("embedding_dim"), py::arg("padding_idx") = -1,
           py::arg("sparse_grad") = false, py::arg("seed") = 0);
  UnaryClass<nn::LayerNorm>(m, "LayerNorm")
      .def(py::init<std::int64_t, float>(), py::arg("dim"), py::arg("eps") = 1e-5f);
  py::class_<nn::BatchNorm, Unary, std::shared_ptr<nn::BatchNorm>>(m, "BatchNorm");
  py::class_<nn::BatchNorm1d, nn::BatchNorm, std::shared_ptr<nn::BatchNorm1d>>(m, "BatchNorm1d")
      .def(py::init<std::int64_t, float, float>(), py::arg("channels"), py::arg("eps") = 1e-5f,
           py::arg("momentum") = 0.1f);
  py::class_<nn::BatchNorm2d, nn::BatchNorm, std::shared_ptr<nn::BatchNorm2d>>(m, "BatchNorm2d")
      .def(py::init<std::int64_t, float, float>(), py::arg("channels"), py::arg("eps") = 1e-5f,
           py::arg("momentum") = 0.1f);
  UnaryClass<nn::Dropout>(m, "Dropout").def(py::init<float, std::uint64_t>(), py::arg("p"), py::arg("seed") = 0);
  UnaryClass<nn::Activation>(m, "Activation").def(py::init([](const std::string& name) {
    return std::make_shared<nn::Activation>(activation_kind(name));
  }));
  UnaryClass<nn::Flatten>(m, "Flatten")
      .def(py::init<std::int64_t, std::int64_t>(), py::arg("start") = 1, py::arg("end") = -1);
  UnaryClass<nn::Sequential>(m, "Sequential")
      .def(py::init<std::vector<std::shared_ptr<Unary>>>())
      .def("__len__", &nn::Sequential::size);
  UnaryClass<nn::Conv2d>(m, "Conv2d")
      .def(py::init([](std::int64_t in, std::int64_t out, Pair kernel, Pair stride, Pair padding, Pair dilation,
                       std::int64_t groups, bool bias, std::uint64_t seed) {
             Generator gen(seed);
             return std::make_shared<nn::Conv2d>(in, out, kernel, gen,
                                                 nn::Conv2dOptions{stride, padding, dilation, groups, bias});
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel"), py::arg("stride") = Pair{1, 1},
           py::arg("padding") = Pair{0, 0}, py::arg("dilation") = Pair{1, 1}, py::arg("groups") = 1,
           py::arg("bias") = true, py::arg("seed") = 0);
  UnaryClass<nn::Conv1d>(m, "Conv1d")
      .def(
          py::init([](std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                      std::int64_t dilation, std::int64_t groups, bool bias, std::uint64_t seed) {
            Generator gen(seed);
            return std::make_shared<nn::Conv1d>(in, out, kernel, gen,
                                                nn::Conv1dOptions{stride, padding, dilation, groups, bias});
          }),
          py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel"), py::arg("stride") = 1,
          py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1, py::arg("bias") = true,
          py::arg("seed") = 0);
  UnaryClass<nn::MaxPool2d>(m, "MaxPool2d")
      .def(py::init<Pair, Pair, Pair>(), py::arg("kernel"), py::arg("stride") = Pair{0, 0},
           py::arg("padding") = Pair{0, 0});
  UnaryClass<nn::AvgPool2d>(m, "AvgPool2d")
      .def(py::init<Pair, Pair, Pair>(), py::arg("kernel"), py::arg("stride") = Pair{0, 0},
           py::arg("padding") = Pair{0, 0});
  UnaryClass<nn::AdaptiveAvgPool2d>(m, "AdaptiveAvgPool2d").def(py::init<Pair>());

  py::class_<nn::Recurrent, Module, std::shared_ptr<nn::Recurrent>>(m, "Recurrent");
  const auto recurrent_init = [](auto tag) {
    using R = typename decltype(tag)::type;
    return py::init([](std::int64_t in, std::int64_t hidden, std::int64_t layers, bool bias, bool bidirectional,
                       float dropout, std::uint64_t seed) {
      Generator gen(seed);
      return std::make_shared<R>(in, hidden, gen, nn::RecurrentOptions{layers, bias, bidirectional, dropout, seed});
    });
  };
  // Returns (output, h_n) like torch.nn.GRU.
  py::class_<nn::GRU, nn::Recurrent, std::shared_ptr<nn::GRU>>(m, "GRU")
      .def(recurrent_init(std::type_identity<nn::GRU>{}), py::arg("input_size"), py::arg("hidden_size"),
           py::arg("num_layers") = 1, py::arg("bias") = true, py::arg("bidirectional") = false,
           py::arg("dropout") = 0.0f, py::arg("seed") = 0)
      .def(
          "__call__",
          [](nn::GRU& self, const Tensor& x, const Tensor& h0, const Tensor& lengths) {
            auto out = self.forward(x, h0, Tensor(), lengths);
            return py::make_tuple(out.output, out.h_n);
          },
          py::arg("x"), py::arg("h0") = Tensor(), py::arg("lengths") = Tensor());
  // Returns (output, (h_n, c_n)) like torch.nn.LSTM.
  py::class_<nn::LSTM, nn::Recurrent, std::shared_ptr<nn::LSTM>>(m, "LSTM")
      .def(recurrent_init(std::type_identity<nn::LSTM>{}), py::arg("input_size"), py::arg("hidden_size"),
           py::arg("num_layers") = 1, py::arg("bias") = true, py::arg("bidirectional") = false,
           py::arg("dropout") = 0.0f, py::arg("seed") = 0)
      .def(
          "__call__",
          [](nn::LSTM& self, const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& lengths) {
            auto out = self.forward(x, h0, c0, lengths);
            return py::make_tuple(out.output, py::make_tuple(out.h_n, out.c_n));
          },
          py::arg("x"), py::arg("h0") = Tensor(), py::arg("c0") = Tensor(), py::arg("lengths") = Tensor());
  // Returns (output, weights or None) like torch.nn.MultiheadAttention(batch_first=True).
  py::class_<nn::MultiHeadAttention, Module, std::shared_ptr<nn::MultiHeadAttention>>(m, "MultiHeadAttention")
      .def(py::init([](std::int64_t dim, std::int64_t heads, bool bias, float dropout, std::uint64_t seed) {
             Generator gen(seed);
             return std::make_shared<nn::MultiHeadAttention>(dim, heads, gen, bias, dropout, seed);
           }),
           py::arg("embed_dim"), py::arg("num_heads"), py::arg("bias") = true, py::arg("dropout") = 0.0f,
           py::arg("seed") = 0)
      .def(
          "__call__",
          [](nn::MultiHeadAttention& self, const Tensor& q, const Tensor& k, const Tensor& v,
             const Tensor& key_padding_mask, bool causal, const Tensor& attn_mask, bool need_weights,
             bool average_heads) -> py::tuple {
            auto out = self.forward(q, k, v, {key_padding_mask, causal, attn_mask}, need_weights, average_heads);
            if (!need_weights) return py::make_tuple(out.output, py::none());
            return py::make_tuple(out.output, out.weights);
          },
          py::arg("query"), py::arg("key"), py::arg("value"), py::arg("key_padding_mask") = Tensor(),
          py::arg("causal") = false, py::arg("attn_mask") = Tensor(), py::arg("need_weights") = true,
          py::arg("average_heads") = true);
}

}  // namespace embed::python
