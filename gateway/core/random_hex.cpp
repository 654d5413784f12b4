#include "gateway/core/random_hex.h"

#include <cstdint>
#include <random>

namespace tollgate::core {

void write_random_hex(std::span<char> out) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = 0;
  bool all_zero = true;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i % 16 == 0) bits = generator();  // 16 hex digits per draw
    out[i] = kHex[(bits >> (4 * (i % 16))) & 15];
    all_zero = all_zero && out[i] == '0';
  }
  if (all_zero && !out.empty()) out.back() = '1';
}

}  // namespace tollgate::core
