#include "embed/text/sparse/term_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "embed/core/error.h"
#include "embed/core/huge_pages.h"

namespace embed::text {

namespace {

// Little-endian load of n < 8 bytes, zero-padded. On little-endian machines
// two overlapping loads cover the bytes (overlapping bytes OR into
// themselves), so words of 2-7 bytes cost two loads and a shift instead of a
// loop per byte.
inline std::uint64_t load_tail(const char* p, std::size_t n) {
  if constexpr (std::endian::native == std::endian::little) {
    if (n >= 4) {
      std::uint32_t lo, hi;
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + n - 4, 4);
      return lo | std::uint64_t{hi} << (8 * (n - 4));
    }
    if (n >= 2) {
      std::uint16_t lo, hi;
      std::memcpy(&lo, p, 2);
      std::memcpy(&hi, p + n - 2, 2);
      return lo | std::uint64_t{hi} << (8 * (n - 2));
    }
  }
  std::uint64_t w = 0;
  for (std::size_t k = 0; k < n; ++k) w |= std::uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
  return w;
}

inline std::uint64_t load64(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

inline std::uint64_t first_bytes(std::string_view s) {
  return s.size() >= 8 ? load64(s.data()) : load_tail(s.data(), s.size());
}

std::uint32_t clamped_length(std::string_view s) {
  return static_cast<std::uint32_t>(std::min<std::size_t>(s.size(), std::numeric_limits<std::uint32_t>::max()));
}

// Whether terms a and b of n > 8 bytes, whose first 8 bytes are equal, are
// equal: 8 bytes at a time from byte 8, the last load overlapping the one
// before (inline; a call to memcmp cost more than the compare).
inline bool same_after_prefix(const char* a, const char* b, std::size_t n) {
  for (std::size_t i = 8; i + 8 < n; i += 8)
    if (load64(a + i) != load64(b + i)) return false;
  return load64(a + n - 8) == load64(b + n - 8);
}

// The first 8 bytes (zero-padded), then each further 8, folded by
// multiply-xorshift; then the splitmix64 finaliser so that the low bits (the
// slot index) are well mixed. A term of up to 8 bytes is hashed from its
// prefix alone, without a branch on its length. `word(i, n)` reads the n <= 8
// bytes from i, zero-padded.
template <typename Word>
TermTable::Key key_with(std::string_view s, Word word) {
  const std::uint64_t prefix = word(0, std::min<std::size_t>(s.size(), 8));
  std::uint64_t h = (0x9E3779B97F4A7C15ull ^ s.size() ^ prefix) * 0xBF58476D1CE4E5B9ull;
  h ^= h >> 29;
  for (std::size_t i = 8; i < s.size(); i += 8) {
    h = (h ^ word(i, std::min<std::size_t>(s.size() - i, 8))) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
  }
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  return TermTable::Key{h ^ (h >> 31), prefix};
}

}  // namespace

std::uint64_t TermTable::prefix_of(std::string_view term) { return first_bytes(term); }

TermTable::Key TermTable::key(std::string_view term) {
  return key_with(term, [&](std::size_t i, std::size_t n) {
    if (n == 8) return load64(term.data() + i);
    return load_tail(term.data() + i, n);
  });
}

TermTable::Key TermTable::padded_key(std::string_view term) {
  if constexpr (std::endian::native != std::endian::little) return key(term);
  return key_with(term, [&](std::size_t i, std::size_t n) {
    // The caller vouches for 8 readable bytes past the end.
    const std::uint64_t keep = n == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1;
    return load64(term.data() + i) & keep;
  });
}

std::size_t TermTable::probe(std::string_view term, Key key) const {
  const std::size_t mask = slots_.size() - 1;
  const std::uint32_t length = clamped_length(term);
  for (std::size_t at = key.hash & mask;; at = (at + 1) & mask) {
    const Slot& s = slots_[at];
    if (s.id < 0) return at;
    if (s.length == length && s.prefix == key.prefix &&
        (term.size() <= 8 || same_after_prefix(this->term(s.id).data(), term.data(), term.size())))
      return at;
  }
}

void TermTable::reserve(std::size_t terms) {
  if (slots_.size() >= 2 * terms && !slots_.empty()) return;
  std::size_t n = 16;
  while (n < 2 * terms) n *= 2;
  BigVector<Slot>().swap(slots_);
  resize_with_huge_pages(slots_, n);
  // Each insert misses the cache of a large table: its slot is prefetched
  // (for writing) this many terms ahead.
  constexpr std::size_t kAhead = 16;
  for (std::size_t id = 0; id < ends_.size(); ++id) {
    if (id + kAhead < ends_.size()) __builtin_prefetch(&slots_[hashes_[id + kAhead] & (n - 1)], 1);
    std::size_t at = hashes_[id] & (n - 1);
    while (slots_[at].id >= 0) at = (at + 1) & (n - 1);
    const std::string_view t = term(static_cast<std::int32_t>(id));
    slots_[at] = Slot{clamped_length(t), static_cast<std::int32_t>(id), first_bytes(t)};
  }
  reserve_with_huge_pages(ends_, terms);
  reserve_with_huge_pages(hashes_, terms);
}

void TermTable::grow() { reserve(std::max<std::size_t>(16, ends_.size() * 2)); }

std::int32_t TermTable::intern(std::string_view term, Key key) {
  if (2 * (ends_.size() + 1) > slots_.size()) grow();
  Slot& s = slots_[probe(term, key)];
  if (s.id >= 0) return s.id;
  EMBED_CHECK(ends_.size() < static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
              "more than 2^31 distinct terms");
  make_room_with_huge_pages(arena_, term.size());
  arena_.insert(arena_.end(), term.begin(), term.end());
  make_room_with_huge_pages(ends_, 1);
  ends_.push_back(arena_.size());
  make_room_with_huge_pages(hashes_, 1);
  hashes_.push_back(key.hash);
  s = Slot{clamped_length(term), static_cast<std::int32_t>(ends_.size() - 1), key.prefix};
  return s.id;
}

std::int32_t TermTable::find(std::string_view term, Key key) const {
  if (slots_.empty()) return -1;
  return slots_[probe(term, key)].id;
}

}  // namespace embed::text
