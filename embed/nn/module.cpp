#include "embed/nn/module.h"

#include <cstring>

#include "embed/io/safetensors.h"

namespace embed::nn {

Tensor& Module::register_parameter(const std::string& name, Tensor value) {
  value.set_requires_grad(true);
  params_.emplace_back(name, std::move(value));
  return params_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor value) {
  buffers_.emplace_back(name, std::move(value));
  return buffers_.back().second;
}

void Module::collect(const std::string& prefix, bool with_buffers,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [n, t] : params_) out.emplace_back(prefix + n, t);
  if (with_buffers)
    for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  for (const auto& [n, m] : children_) m->collect(prefix + n + ".", with_buffers, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", false, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

std::map<std::string, Tensor> Module::state_dict() const {
  std::vector<std::pair<std::string, Tensor>> all;
  collect("", true, all);
  return {all.begin(), all.end()};
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  std::vector<std::pair<std::string, Tensor>> mine;
  collect("", true, mine);
  std::size_t used = 0;
  for (auto& [name, dst] : mine) {
    auto it = state.find(name);
    if (it == state.end()) {
      EMBED_CHECK(!strict, "state dict has no entry '{}'", name);
      continue;
    }
    const Tensor& src = it->second;
    EMBED_CHECK(src.shape() == dst.shape() && src.dtype() == dst.dtype(), "state '{}' is {}, the module expects {}",
                name, describe(src), describe(dst));
    const Tensor c = src.contiguous();
    // In place, so optimizers holding the parameter keep seeing it.
    std::memcpy(dst.storage()->data(),
                static_cast<const char*>(c.storage()->data()) + c.offset() * dtype_size(c.dtype()),
                static_cast<std::size_t>(c.numel()) * dtype_size(c.dtype()));
    ++used;
  }
  if (strict && used != state.size()) {
    for (const auto& [name, t] : state) {
      bool known = false;
      for (auto& [n, d] : mine) known = known || n == name;
      EMBED_CHECK(known, "state dict entry '{}' matches no parameter or buffer", name);
    }
  }
}

void Module::save(const std::string& path) const { save_safetensors(path, state_dict()); }

void Module::load(const std::string& path, bool strict) { load_state_dict(load_safetensors(path).tensors, strict); }

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, m] : children_) m->train(on);
}

void Module::zero_grad() {
  for (auto& t : parameters()) t.zero_grad();
}

}  // namespace embed::nn
