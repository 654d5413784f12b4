// The digit pass: one walk over a text's digits, colons, '+' and '@' that reports where
// the digit patterns (builtin_patterns.h) end: the ends their regular expressions give.
// Private to policies/pii; its own header so tests can hold it against Vectorscan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policies/pii/builtin_patterns.h"

namespace tollgate::policies::pii {

// A set of DigitTrigger, one bit each.
using DigitTriggers = std::uint8_t;

constexpr DigitTriggers bit_of(DigitTrigger trigger) {
  return static_cast<DigitTriggers>(1u << static_cast<unsigned>(trigger));
}

// Called once per end (in no particular order across triggers); `end` is one past the
// match, as Vectorscan's `to`.
using DigitHit = void (*)(void* context, DigitTrigger trigger, std::size_t end);

// Every end in `text` of the patterns in `wanted`. Reads each byte a bounded number of
// times: finds the bytes that start a pattern 64 at a time.
void find_digit_patterns(std::string_view text, DigitTriggers wanted, DigitHit hit, void* context);

}  // namespace tollgate::policies::pii
