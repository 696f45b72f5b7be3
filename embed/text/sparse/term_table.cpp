#include "embed/text/sparse/term_table.h"

#include <cstring>
#include <limits>

#include "embed/core/error.h"

namespace embed::text {

namespace {

// 64-bit string hash: 8-byte words folded by multiply-xorshift, then the
// splitmix64 finaliser so that the low bits (the slot index) are well mixed.
std::uint64_t hash_bytes(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
  }
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

}  // namespace

std::size_t TermTable::probe(std::string_view term, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    const Slot& s = slots_[at];
    if (s.id < 0 || (s.hash == hash && this->term(s.id) == term)) return at;
  }
}

void TermTable::reserve(std::size_t terms) {
  if (slots_.size() >= 2 * terms && !slots_.empty()) return;
  std::size_t n = 16;
  while (n < 2 * terms) n *= 2;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(n, Slot{0, -1});
  for (const Slot& s : old) {
    if (s.id < 0) continue;
    std::size_t at = s.hash & (n - 1);
    while (slots_[at].id >= 0) at = (at + 1) & (n - 1);
    slots_[at] = s;
  }
  ends_.reserve(terms);
}

void TermTable::grow() { reserve(std::max<std::size_t>(16, ends_.size() * 2)); }

std::int32_t TermTable::intern(std::string_view term) {
  if (2 * (ends_.size() + 1) > slots_.size()) grow();
  const std::uint64_t h = hash_bytes(term);
  Slot& s = slots_[probe(term, h)];
  if (s.id >= 0) return s.id;
  EMBED_CHECK(ends_.size() < static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
              "more than 2^31 distinct terms");
  arena_ += term;
  ends_.push_back(arena_.size());
  s = Slot{h, static_cast<std::int32_t>(ends_.size() - 1)};
  return s.id;
}

std::int32_t TermTable::find(std::string_view term) const {
  if (slots_.empty()) return -1;
  return slots_[probe(term, hash_bytes(term))].id;
}

}  // namespace embed::text
