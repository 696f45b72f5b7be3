#include "embed/text/sparse/term_table.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "embed/core/error.h"
#include "embed/core/huge_pages.h"

namespace embed::text {

namespace {

// Little-endian load of up to 8 bytes, zero-padded (inline: no memcpy call of variable size).
inline std::uint64_t load_tail(const char* p, std::size_t n) {
  std::uint64_t w = 0;
  for (std::size_t k = 0; k < n; ++k) w |= std::uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
  return w;
}

inline std::uint64_t first_bytes(std::string_view s) {
  if (s.size() >= 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data(), 8);
    return w;
  }
  return load_tail(s.data(), s.size());
}

std::uint32_t clamped_length(std::string_view s) {
  return static_cast<std::uint32_t>(std::min<std::size_t>(s.size(), std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace

// 8-byte words folded by multiply-xorshift, then the splitmix64 finaliser so
// that the low bits (the slot index) are well mixed.
std::uint64_t TermTable::hash(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
  }
  if (i < s.size()) h = (h ^ load_tail(s.data() + i, s.size() - i)) * 0xBF58476D1CE4E5B9ull;
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

std::size_t TermTable::probe(std::string_view term, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const std::uint32_t length = clamped_length(term);
  const std::uint64_t prefix = first_bytes(term);
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    const Slot& s = slots_[at];
    if (s.id < 0) return at;
    if (s.length == length && s.prefix == prefix && (term.size() <= 8 || this->term(s.id) == term)) return at;
  }
}

void TermTable::reserve(std::size_t terms) {
  if (slots_.size() >= 2 * terms && !slots_.empty()) return;
  std::size_t n = 16;
  while (n < 2 * terms) n *= 2;
  std::vector<Slot>().swap(slots_);
  resize_with_huge_pages(slots_, n);
  for (std::size_t id = 0; id < ends_.size(); ++id) {
    std::size_t at = hashes_[id] & (n - 1);
    while (slots_[at].id >= 0) at = (at + 1) & (n - 1);
    const std::string_view t = term(static_cast<std::int32_t>(id));
    slots_[at] = Slot{clamped_length(t), static_cast<std::int32_t>(id), first_bytes(t)};
  }
  reserve_with_huge_pages(ends_, terms);
  reserve_with_huge_pages(hashes_, terms);
}

void TermTable::grow() { reserve(std::max<std::size_t>(16, ends_.size() * 2)); }

std::int32_t TermTable::intern(std::string_view term, std::uint64_t hash) {
  if (2 * (ends_.size() + 1) > slots_.size()) grow();
  Slot& s = slots_[probe(term, hash)];
  if (s.id >= 0) return s.id;
  EMBED_CHECK(ends_.size() < static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
              "more than 2^31 distinct terms");
  make_room_with_huge_pages(arena_, term.size());
  arena_.insert(arena_.end(), term.begin(), term.end());
  make_room_with_huge_pages(ends_, 1);
  ends_.push_back(arena_.size());
  make_room_with_huge_pages(hashes_, 1);
  hashes_.push_back(hash);
  s = Slot{clamped_length(term), static_cast<std::int32_t>(ends_.size() - 1), first_bytes(term)};
  return s.id;
}

std::int32_t TermTable::find(std::string_view term, std::uint64_t hash) const {
  if (slots_.empty()) return -1;
  return slots_[probe(term, hash)].id;
}

}  // namespace embed::text
