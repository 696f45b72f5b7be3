// Strings -> dense ids, for vocabularies of millions of n-grams: an
// open-addressing hash table (linear probing, load <= 1/2) over one arena of
// term bytes. Several times faster than std::unordered_map<std::string, int>
// for this job: no node per term, and a probe compares a stored 64-bit hash
// before touching the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace embed::text {

class TermTable {
 public:
  // The id of `term`, adding it with the next id (= size()) if new.
  std::int32_t intern(std::string_view term);
  // The id of `term`, or -1.
  std::int32_t find(std::string_view term) const;
  std::int32_t size() const { return static_cast<std::int32_t>(ends_.size()); }
  std::string_view term(std::int32_t id) const {
    const std::uint64_t b = id ? ends_[static_cast<std::size_t>(id) - 1] : 0;
    return std::string_view(arena_).substr(b, ends_[static_cast<std::size_t>(id)] - b);
  }
  void reserve(std::size_t terms);

 private:
  struct Slot {
    std::uint64_t hash;
    std::int32_t id;  // -1: empty
  };
  std::size_t probe(std::string_view term, std::uint64_t hash) const;  // the slot holding term, or the empty one
  void grow();

  std::vector<Slot> slots_;
  std::string arena_;
  std::vector<std::uint64_t> ends_;  // end of each term's bytes in arena_
};

}  // namespace embed::text
