// Locality-sensitive hashing for near-duplicates: each vector gets kBands codes of kBits
// random-hyperplane signs; two vectors at cosine c share a band's code with probability
// (1 - acos(c)/π)^kBits, so at c = 0.92 at least one of 20 bands matches 98.6% of the
// time, while an unrelated vector (c ≈ 0) lands in a given band's bucket 1 in 4096: a
// lookup checks a few hundred candidates at 100k vectors instead of all of them.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "cache/simd_dot.h"

namespace tollgate::cache {

class LshBands {
 public:
  static constexpr int kBands = 24;
  static constexpr int kBits = 14;
  using Codes = std::array<std::uint16_t, kBands>;

  // For vectors of `dims` values: the hyperplanes of that dimension, shared by every
  // index of it while one lives.
  explicit LshBands(std::size_t dims);
  Codes codes_of(const float* vector) const;
  void add(std::uint32_t slot, const Codes& codes);
  void remove(std::uint32_t slot, const Codes& codes);
  // Calls fn(slot) for every slot sharing a band with `codes` (a slot may come twice).
  template <typename Fn>
  void candidates(const Codes& codes, Fn fn) const {
    for (int b = 0; b < kBands; ++b) {
      for (std::uint32_t slot : table_[static_cast<std::size_t>(b) * kCodes + codes[b]]) fn(slot);
    }
  }
  std::size_t bytes() const;

 private:
  static constexpr std::size_t kCodes = std::size_t{1} << kBits;
  std::shared_ptr<const std::vector<float>> planes_;  // kBands * kBits planes of dot_.dims()
  DotProduct dot_;
  std::vector<std::vector<std::uint32_t>> table_;  // band * kCodes + code → slots
};

}  // namespace tollgate::cache
