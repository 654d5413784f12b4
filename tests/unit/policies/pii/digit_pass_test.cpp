// The digit pass stands in for Vectorscan on the patterns that start at digits and colons:
// for each, the ends it reports are exactly those of the pattern's regular expression,
// compiled by Vectorscan, on hand-picked and on random texts (tests/fuzz/pii_digit_pass
// does the same on what libFuzzer makes up).
#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "policies/pii/scanner_digits.h"
#include "tests/unit/policies/pii/digit_reference.h"

using namespace tollgate::policies::pii;

namespace {

std::vector<std::string> texts() {
  std::vector<std::string> out = {
      "",
      "4111 1111 1111 1111 and 4111-1111-1111-1111",
      "call (415) 555-2671 or +44 20 7946 0958, ssn 123-45-6789",
      "5657 0182 6945 1421 ORD-2024-001234 2024-01-15 15.01.2024 12 34 56 78 9",
      "1.2.3.4 1.2.3.4.5 10.0.0.255. 999.1.1.1 v1.2.3.4 1234.5.6.7.8 1.2.3.4a 1..2.3.4.5",
      "DE89 3704 0044 0532 0130 00 GB82WEST12345698765432 xDE89 DE8 DE891",
      "2001:db8::1 fe80::1ff:fe23:4567:890a ::1 :: ab::cd 1:2:3:4 12:30:45 a:bcde:f:0 "
      "std::vector ::ffff:192.0.2.1 abcd:ef01:2345:6789:abcd:ef01:2345:6789 a:::b",
      "12345678 123456789 1234567890123456789012345 1 2 3 4 5 6 7 8 9 1  2  3",
      "9999999999",
      "AB12",
      "x:1:2:3",
      "00:11:22:33:44:55",
  };
  std::mt19937 random(15);
  const std::string alphabet = "0123456789012345678901234567890123456789:::....--  ()/ABZafx_\n";
  for (int i = 0; i < 3000; ++i) {
    std::string text(random() % 200, ' ');  // past 64: the pass reads 64 bytes at a time
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    out.push_back(std::move(text));
  }
  return out;
}

}  // namespace

TEST_CASE("the digit pass reports the ends of each digit pattern's expression", "[pii]") {
  std::vector<std::string> all = texts();
  for (const DigitPattern& pattern : digit_patterns()) {
    DigitReference reference(pattern.equivalent);
    for (const std::string& text : all) {
      INFO("pattern " << pattern.equivalent << " on \"" << text << "\"");
      bool repeated = false;
      REQUIRE(digit_pass_ends(text, pattern.trigger, repeated) == reference.ends(text));
      REQUIRE_FALSE(repeated);
    }
  }
}

TEST_CASE("the digit pass reports only what it is asked for", "[pii]") {
  std::string text = "ip 10.1.2.3, card 4111 1111 1111 1111, 2001:db8::1, DE89 3704";
  std::set<DigitTrigger> seen;
  auto on_hit = [](void* context, DigitTrigger trigger, std::size_t) {
    static_cast<std::set<DigitTrigger>*>(context)->insert(trigger);
  };
  find_digit_patterns(text, bit_of(DigitTrigger::ipv4) | bit_of(DigitTrigger::iban), on_hit, &seen);
  CHECK(seen == std::set<DigitTrigger>{DigitTrigger::ipv4, DigitTrigger::iban});
  seen.clear();
  find_digit_patterns(text, 0, on_hit, &seen);
  CHECK(seen.empty());
}
