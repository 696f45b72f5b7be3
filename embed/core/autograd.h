// Dynamic tape: each differentiable op that sees an input requiring grad
// attaches a Node to its output. backward() visits the nodes in reverse
// topological order and hands each one the gradient of its output.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "embed/core/tensor.h"

namespace embed {

// Given dL/d(output), returns dL/d(input_i) for each input (an undefined Tensor
// where the input needs no gradient). Shapes must equal the inputs' shapes.
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
  std::string name;            // op name, for error messages
  std::vector<Tensor> inputs;  // the op's inputs; undefined where no grad flows
  BackwardFn backward;
  bool released = false;  // saved tensors freed after a backward without retain_graph
};

// Whether ops record nodes on this thread (true by default).
bool grad_enabled();

// Turns recording off for its scope (inference, optimizer updates).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// True when grad is on and any input requires grad: the op should record.
bool should_record(std::initializer_list<const Tensor*> inputs);

// Attaches a node to `out` when should_record(inputs). Returns `out`.
Tensor record(Tensor out, const char* name, std::vector<Tensor> inputs, BackwardFn backward);

}  // namespace embed
