#include "cache/lsh_bands.h"

#include <algorithm>
#include <random>

#include "cache/simd_dot.h"

namespace tollgate::cache {

namespace {

// kBands * kBits hyperplanes through the origin, from a fixed seed: every process (and
// every replica) gives a vector the same codes.
const std::vector<float>& planes() {
  static const std::vector<float> made = [] {
    std::mt19937 rng(20261204);
    std::normal_distribution<float> normal;
    std::vector<float> p(static_cast<std::size_t>(LshBands::kBands * LshBands::kBits) * kDims);
    for (float& x : p) x = normal(rng);
    return p;
  }();
  return made;
}

}  // namespace

LshBands::LshBands() : table_(static_cast<std::size_t>(kBands) * kCodes) {}

LshBands::Codes LshBands::codes_of(const float* vector) {
  const std::vector<float>& p = planes();
  Codes out{};
  for (int b = 0; b < kBands; ++b) {
    std::uint16_t code = 0;
    for (int bit = 0; bit < kBits; ++bit) {
      const float* plane = p.data() + static_cast<std::size_t>(b * kBits + bit) * kDims;
      code = static_cast<std::uint16_t>((code << 1) | (simd_dot(vector, plane) > 0 ? 1 : 0));
    }
    out[b] = code;
  }
  return out;
}

void LshBands::add(std::uint32_t slot, const Codes& codes) {
  for (int b = 0; b < kBands; ++b)
    table_[static_cast<std::size_t>(b) * kCodes + codes[b]].push_back(slot);
}

void LshBands::remove(std::uint32_t slot, const Codes& codes) {
  for (int b = 0; b < kBands; ++b) {
    auto& list = table_[static_cast<std::size_t>(b) * kCodes + codes[b]];
    auto it = std::find(list.begin(), list.end(), slot);
    if (it == list.end()) continue;
    *it = list.back();
    list.pop_back();
  }
}

std::size_t LshBands::bytes() const {
  std::size_t n = table_.capacity() * sizeof(std::vector<std::uint32_t>);
  for (const auto& list : table_) n += list.capacity() * sizeof(std::uint32_t);
  return n;
}

}  // namespace tollgate::cache
