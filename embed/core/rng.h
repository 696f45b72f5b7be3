// Seeded random numbers. Every random choice in the library takes a Generator
// (or a seed), so the same seed and thread count give the same result.
#pragma once

#include <cstdint>

namespace embed {

// xoshiro256** (Blackman & Vigna 2018), seeded through splitmix64. Small,
// fast and identical on every platform, unlike std:: distributions.
class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) { reseed(seed); }
  void reseed(std::uint64_t seed);
  std::uint64_t next_u64();
  // Uniform in [0, 1) with 24 random bits (exact in float32).
  float uniform();
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n);
  // Standard normal by Box-Muller; caches the second value.
  float normal();

 private:
  std::uint64_t s_[4];
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace embed
