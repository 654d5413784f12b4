// The built-in entities' patterns, each with the extractors that turn a match into
// validated spans. A pattern may serve several entities (one trigger for every long
// number: card, ssn, phone), and an entity may have several patterns.
//   - Vectorscan patterns: compiled with the custom ones into the scanner's database.
//   - Digit patterns: those that begin at a digit or a ':' (numbers, IPv4, IPv6, IBAN),
//     and the two one-byte triggers '+' (a phone number) and '@' (an address). The digit
//     pass (scanner_digits.cpp) reports exactly the match ends their regular expressions
//     would, in plain C++: Vectorscan wakes at every digit once per such pattern and ran
//     the whole scan at about 1 GB/s on text with numbers, and a one-byte literal slows
//     its literal matcher for every other pattern (docs/pii.md).
#pragma once

#include <cstdint>
#include <span>

#include "policies/pii/entity.h"
#include "policies/pii/extractors.h"

namespace tollgate::policies::pii {

// One entity's reading of a match.
struct Probe {
  Builtin entity;
  Extractor extract;
};

struct BuiltinPattern {
  const char* expression;         // Vectorscan syntax, compiled without flags
  std::span<const Probe> probes;  // tried in turn when the pattern matches, if enabled
};

std::span<const BuiltinPattern> builtin_patterns();

// The patterns the digit pass stands in for, by the bit it knows each by.
enum class DigitTrigger : std::uint8_t {
  long_number,      // nine digits or more, up to two separators between digits
  ipv4,             // four dotted groups of one to three digits
  iban,             // two capitals and two digits
  ipv6_compressed,  // a "::" beside two hex digits
  ipv6_chain,       // three colons between hex digits
  plus_digit,       // a '+' and a digit
  email_at,         // an '@' between a local-part byte and a letter or digit
};
inline constexpr std::size_t kDigitTriggerCount = 7;

struct DigitPattern {
  DigitTrigger trigger;
  // The regular expression whose match ends the digit pass reports: what it means, and
  // what tests compare it with (compiled by Vectorscan, the same ends must come out).
  const char* equivalent;
  std::span<const Probe> probes;
};

// In DigitTrigger order.
std::span<const DigitPattern> digit_patterns();

}  // namespace tollgate::policies::pii
