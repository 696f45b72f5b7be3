#include "embed/core/autograd.h"

#include <unordered_map>
#include <unordered_set>

#include "embed/core/ops/elementwise.h"
#include "embed/core/row_sparse.h"

namespace embed {

namespace {

thread_local bool g_grad_enabled = true;

// Adds g into a leaf's .grad. The first dense gradient is adopted when
// nothing else can see it (this handle and its buffer are the only
// references, so no other input, saved tensor or caller's seed shares the
// memory), otherwise copied, because backward rules may hand one tensor to
// several inputs. Row-sparse gradients stay sparse while only sparse ones
// arrive; a dense one turns the sum dense.
void accumulate_into_leaf(TensorImpl& leaf, Tensor g) {
  if (!leaf.grad) {
    const bool unshared = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous() &&
                          g.offset() == 0 &&
                          g.storage()->nbytes() == static_cast<std::size_t>(g.numel()) * dtype_size(g.dtype());
    leaf.grad = is_row_sparse(g) || unshared ? g.impl_ptr() : g.clone().impl_ptr();
    return;
  }
  Tensor acc(leaf.grad);
  if (is_row_sparse(acc)) {
    if (is_row_sparse(g)) {
      leaf.grad = add_row_sparse(acc, g).impl_ptr();
      return;
    }
    acc = to_dense(acc);
    leaf.grad = acc.impl_ptr();
  }
  if (is_row_sparse(g))
    add_rows_into(acc, g);
  else
    add_(acc, g);
}

}  // namespace

bool grad_enabled() { return g_grad_enabled; }

NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

bool should_record(std::initializer_list<const Tensor*> inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

Tensor record(Tensor out, const char* name, std::vector<Tensor> inputs, BackwardFn backward) {
  if (!g_grad_enabled) return out;
  bool any = false;
  for (auto& in : inputs) {
    if (in.defined() && in.requires_grad()) {
      any = true;
    } else {
      in = Tensor();  // no gradient flows there; do not keep it alive
    }
  }
  if (!any) return out;
  auto node = std::make_shared<Node>();
  node->name = name;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  out.impl().requires_grad = true;
  out.impl().grad_fn = std::move(node);
  return out;
}

void Tensor::backward(const Tensor& grad, bool retain_graph) const {
  EMBED_CHECK(requires_grad(), "backward() on a tensor that does not require grad");
  Tensor seed = grad;
  if (!seed.defined()) {
    EMBED_CHECK(numel() == 1, "backward() without a gradient needs a scalar, got {}", describe(*this));
    seed = Tensor::ones(shape());
  }
  EMBED_CHECK(seed.shape() == shape(), "gradient {} does not match tensor {}", describe(seed), describe(*this));

  // Reverse topological order by iterative DFS (graphs of RNNs can be deep).
  // `order` owns the tensors: releasing a node below may drop the graph's last
  // reference to an intermediate that is still to be visited.
  std::vector<std::shared_ptr<TensorImpl>> order;
  std::unordered_set<TensorImpl*> visited;
  std::vector<std::pair<std::shared_ptr<TensorImpl>, std::size_t>> stack{{impl_, 0}};
  visited.insert(impl_.get());
  while (!stack.empty()) {
    auto& [t, next] = stack.back();
    const Node* node = t->grad_fn.get();
    if (node != nullptr && next < node->inputs.size()) {
      const Tensor& in = node->inputs[next++];
      if (in.defined() && visited.insert(in.impl_ptr().get()).second) stack.emplace_back(in.impl_ptr(), 0);
      continue;
    }
    order.push_back(t);
    stack.pop_back();
  }

  NoGradGuard no_grad;  // gradients of gradients are not recorded
  std::unordered_map<TensorImpl*, Tensor> grads;
  grads[impl_.get()] = seed;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    TensorImpl* t = it->get();
    auto found = grads.find(t);
    if (found == grads.end()) continue;
    Tensor g = std::move(found->second);
    grads.erase(found);
    if (!t->grad_fn) {
      if (!t->requires_grad) continue;
      accumulate_into_leaf(*t, std::move(g));
      continue;
    }
    Node& node = *t->grad_fn;
    EMBED_CHECK(!node.released,
                "backward through the graph of '{}' a second time; pass retain_graph=true the first time", node.name);
    std::vector<Tensor> in_grads = node.backward(g);
    EMBED_CHECK(in_grads.size() == node.inputs.size(), "op '{}' returned {} gradients for {} inputs", node.name,
                in_grads.size(), node.inputs.size());
    for (std::size_t i = 0; i < in_grads.size(); ++i) {
      const Tensor& in = node.inputs[i];
      if (!in.defined() || !in_grads[i].defined()) continue;
      if (is_row_sparse(in_grads[i])) {
        EMBED_CHECK(dense_shape(in_grads[i]) == in.shape(), "op '{}' gave row-sparse gradient {} for input {}",
                    node.name, describe(in_grads[i]), describe(in));
        // Leaves keep it sparse (an optimizer can update just those rows);
        // anywhere else the ops downstream expect dense gradients.
        if (in.is_leaf()) {
          accumulate_into_leaf(in.impl(), std::move(in_grads[i]));
          continue;
        }
        in_grads[i] = to_dense(in_grads[i]);
      }
      EMBED_CHECK(in_grads[i].shape() == in.shape(), "op '{}' gave gradient {} for input {}", node.name,
                  describe(in_grads[i]), describe(in));
      auto slot = grads.find(in.impl_ptr().get());
      if (slot == grads.end()) {
        grads.emplace(in.impl_ptr().get(), std::move(in_grads[i]));
      } else {
        slot->second = add(slot->second, in_grads[i]);
      }
    }
    if (!retain_graph) {
      node.released = true;
      node.backward = nullptr;  // frees the saved tensors
      node.inputs.clear();      // and the graph above this node
    }
  }
}

}  // namespace embed
