#include "cache/lsh_bands.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <random>

namespace tollgate::cache {

namespace {

// kBands * kBits hyperplanes through the origin of `dims` dimensions, from a fixed seed:
// every process (and every replica) gives a vector the same codes. Made once per
// dimension in use, and let go with the last index of that dimension.
std::shared_ptr<const std::vector<float>> planes(std::size_t dims) {
  static std::mutex mutex;
  static std::map<std::size_t, std::weak_ptr<const std::vector<float>>> made;
  std::lock_guard lock(mutex);
  std::erase_if(made, [](const auto& entry) { return entry.second.expired(); });
  if (auto found = made.find(dims); found != made.end()) return found->second.lock();
  std::mt19937 rng(20261204);
  std::normal_distribution<float> normal;
  auto p = std::make_shared<std::vector<float>>(
      static_cast<std::size_t>(LshBands::kBands * LshBands::kBits) * dims);
  for (float& x : *p) x = normal(rng);
  made[dims] = p;
  return p;
}

}  // namespace

LshBands::LshBands(std::size_t dims)
    : planes_(planes(dims)), dot_(dims), table_(static_cast<std::size_t>(kBands) * kCodes) {}

LshBands::Codes LshBands::codes_of(const float* vector) const {
  const std::vector<float>& p = *planes_;
  const std::size_t dims = dot_.dims();
  Codes out{};
  for (int b = 0; b < kBands; ++b) {
    std::uint16_t code = 0;
    for (int bit = 0; bit < kBits; ++bit) {
      const float* plane = p.data() + static_cast<std::size_t>(b * kBits + bit) * dims;
      code = static_cast<std::uint16_t>((code << 1) | (dot_(vector, plane) > 0 ? 1 : 0));
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
  // The planes are shared by the indexes of a dimension: not counted here.
  std::size_t n = table_.capacity() * sizeof(std::vector<std::uint32_t>);
  for (const auto& list : table_) n += list.capacity() * sizeof(std::uint32_t);
  return n;
}

}  // namespace tollgate::cache
