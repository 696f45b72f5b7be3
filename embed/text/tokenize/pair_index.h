// (symbol, symbol) -> dense index, for BPE's pairs: open addressing with
// linear probing (load <= 1/2) over 16-byte slots. Much faster than
// std::unordered_map<std::uint64_t, ...> here (no modulo by a prime, no node
// per entry), where training re-counts the pairs of many words per merge and
// encoding looks a pair up for every adjacent pair of every word.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace embed::text {

class PairIndex {
 public:
  // The index of (a, b), adding it with the next index (= size()) if new.
  std::int32_t intern(std::int32_t a, std::int32_t b) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    Slot& s = slots_[probe(pack(a, b))];
    if (s.index < 0) s = Slot{pack(a, b), static_cast<std::int32_t>(size_++)};
    return s.index;
  }
  // The index of (a, b), or -1.
  std::int32_t find(std::int32_t a, std::int32_t b) const {
    return slots_.empty() ? -1 : slots_[probe(pack(a, b))].index;
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::int32_t index = -1;  // -1: empty
  };
  static std::uint64_t pack(std::int32_t a, std::int32_t b) {
    return static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32 | static_cast<std::uint32_t>(b);
  }
  static std::size_t mix(std::uint64_t k) {  // the splitmix64 finaliser
    k = (k ^ (k >> 30)) * 0xBF58476D1CE4E5B9ULL;
    k = (k ^ (k >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<std::size_t>(k ^ (k >> 31));
  }
  std::size_t probe(std::uint64_t key) const {  // the slot holding key, or the empty one where it would go
    const std::size_t mask = slots_.size() - 1;
    std::size_t at = mix(key) & mask;
    while (slots_[at].index >= 0 && slots_[at].key != key) at = (at + 1) & mask;
    return at;
  }
  void grow() {
    std::vector<Slot> old(std::max<std::size_t>(64, 2 * slots_.size()));
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.index >= 0) slots_[probe(s.key)] = s;
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace embed::text
