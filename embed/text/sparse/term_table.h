// Strings -> dense ids, for vocabularies of millions of n-grams: an
// open-addressing hash table (linear probing, load <= 1/2) over one arena of
// term bytes. Several times faster than std::unordered_map<std::string, int>
// for this job: no node per term, and each 16-byte slot holds the term's
// length and first 8 bytes, so a probe for a short term (most words, every
// character n-gram up to 8 bytes) never leaves the slot array, and a longer
// one reads the arena only when length and prefix already match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "embed/core/huge_pages.h"

namespace embed::text {

class TermTable {
 public:
  // What the table looks a term up by: its hash, and its first 8 bytes
  // (zero-padded), which each slot keeps so that short terms compare there.
  struct Key {
    std::uint64_t hash, prefix;
  };
  static Key key(std::string_view term);
  // The same for a term followed in memory by at least 8 readable bytes (a
  // view into a padded buffer): masked 8-byte loads instead of branches on its length.
  static Key padded_key(std::string_view term);
  // The hash and the key of the term with this id.
  std::uint64_t hash_of(std::int32_t id) const { return hashes_[static_cast<std::size_t>(id)]; }
  Key key_of(std::int32_t id) const { return Key{hash_of(id), prefix_of(term(id))}; }

  // The id of `term`, adding it with the next id (= size()) if new.
  std::int32_t intern(std::string_view term) { return intern(term, key(term)); }
  // The same with the term's key already computed.
  std::int32_t intern(std::string_view term, Key key);
  // The id of `term`, or -1.
  std::int32_t find(std::string_view term) const { return find(term, key(term)); }
  std::int32_t find(std::string_view term, Key key) const;
  // Starts loading the slot where a term of this hash is looked up first:
  // issued a few terms ahead, it hides the cache miss of a large table.
  void prefetch(std::uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }
  std::int32_t size() const { return static_cast<std::int32_t>(ends_.size()); }
  std::string_view term(std::int32_t id) const {
    const std::uint64_t b = id ? ends_[static_cast<std::size_t>(id) - 1] : 0;
    return std::string_view(arena_.data() + b, ends_[static_cast<std::size_t>(id)] - b);
  }
  void reserve(std::size_t terms);

  // The 64-bit hash the table uses (stable within a process).
  static std::uint64_t hash(std::string_view term) { return key(term).hash; }

 private:
  struct Slot {
    std::uint32_t length = 0;  // min(term length, 2^32 - 1)
    std::int32_t id = -1;      // -1: empty
    std::uint64_t prefix = 0;  // the term's first 8 bytes, zero-padded
  };
  static std::uint64_t prefix_of(std::string_view term);
  std::size_t probe(std::string_view term, Key key) const;  // the slot holding term, or the empty one
  void grow();

  BigVector<Slot> slots_;
  BigVector<char> arena_;
  BigVector<std::uint64_t> ends_;    // end of each term's bytes in arena_
  BigVector<std::uint64_t> hashes_;  // by id: rehashing on growth reads these, not the bytes
};

}  // namespace embed::text
