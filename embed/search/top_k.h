// The k best (key, id) pairs seen so far, for one query: a bounded heap with
// the worst kept at the front. Keys are "higher is better" (an L2 distance
// enters negated); ties go to the smaller id, so results do not depend on
// the order the candidates arrive in.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "embed/search/index.h"

namespace embed::search {

struct Candidate {
  float key;
  std::int64_t id;
};

inline bool better(const Candidate& a, const Candidate& b) { return a.key > b.key || (a.key == b.key && a.id < b.id); }

class TopK {
 public:
  explicit TopK(std::int64_t k = 0) : k_(static_cast<std::size_t>(k)) { heap_.reserve(k_); }
  // The key a candidate must reach to enter (ties then go by id); -inf
  // while fewer than k are kept. Cheap to test before push().
  float threshold() const { return heap_.size() < k_ ? -std::numeric_limits<float>::infinity() : heap_.front().key; }
  void push(Candidate c) {
    if (heap_.size() < k_) {
      heap_.push_back(c);
      std::push_heap(heap_.begin(), heap_.end(), better);
    } else if (better(c, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), better);
      heap_.back() = c;
      std::push_heap(heap_.begin(), heap_.end(), better);
    }
  }
  void merge(const TopK& other) {
    for (const Candidate& c : other.heap_) push(c);
  }
  // Best first; empties the keeper.
  std::vector<Candidate> take_sorted() {
    std::sort(heap_.begin(), heap_.end(), better);
    return std::move(heap_);
  }

 private:
  std::size_t k_;
  std::vector<Candidate> heap_;
};

// nq x k results holding id -1 and score NaN.
inline SearchResults empty_results(std::int64_t nq, std::int64_t k) {
  SearchResults r;
  r.queries = nq;
  r.k = k;
  r.ids.assign(static_cast<std::size_t>(nq * k), -1);
  r.scores.assign(static_cast<std::size_t>(nq * k), std::numeric_limits<float>::quiet_NaN());
  return r;
}

// Moves query i's best, best first, into row i of r; keys become scores
// again (an L2 key is the negated distance).
inline void write_row(SearchResults& r, std::int64_t i, TopK& top, Metric metric) {
  const std::vector<Candidate> sorted = top.take_sorted();
  for (std::size_t j = 0; j < sorted.size(); ++j) {
    r.ids[static_cast<std::size_t>(i * r.k) + j] = sorted[j].id;
    r.scores[static_cast<std::size_t>(i * r.k) + j] = metric == Metric::l2 ? -sorted[j].key : sorted[j].key;
  }
}

}  // namespace embed::search
