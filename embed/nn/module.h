// Module: a named tree of parameters and buffers, the unit that is trained,
// saved (state_dict -> safetensors) and loaded. Names follow PyTorch's
// dotted convention ("encoder.layer.0.weight") so HF checkpoints map directly.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "embed/core/tensor.h"

namespace embed::nn {

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Parameters (trainable) and buffers (saved state such as running means), recursively.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<Tensor> parameters() const;
  std::map<std::string, Tensor> state_dict() const;
  // Copies values in; every key must exist with the same shape unless !strict
  // (then unknown keys are ignored and missing ones kept). Throws InvalidArgument naming the key.
  void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);
  void save(const std::string& path) const;  // safetensors, atomic
  void load(const std::string& path, bool strict = true);

  void train(bool on = true);
  bool training() const { return training_; }
  void zero_grad();

 protected:
  Tensor& register_parameter(const std::string& name, Tensor value);
  Tensor& register_buffer(const std::string& name, Tensor value);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    children_.emplace_back(name, m);
    return m;
  }

 private:
  void collect(const std::string& prefix, bool with_buffers, std::vector<std::pair<std::string, Tensor>>& out) const;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// A module with one input and one output: what Sequential chains.
class Unary : public Module {
 public:
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
};

}  // namespace embed::nn
