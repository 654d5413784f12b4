// The digit pass stands in for Vectorscan on the patterns that start at digits and colons:
// for each, the ends it reports are exactly those of the pattern's regular expression,
// compiled by Vectorscan, on hand-picked and on random texts.
//
// The reference is fed one byte at a time in streaming mode: Debian's Vectorscan 5.4.9
// misses some matches of these patterns in block mode, depending on where the text lies in
// memory ("x" * 100 + " 10.1.2.3 " at most 16-byte offsets: no match); byte by byte it has
// no run to skip over and finds them all.
#include <hs/hs.h>
#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "policies/pii/scanner_digits.h"

using namespace tollgate::policies::pii;

namespace {

// A pattern's match ends by Vectorscan.
class Reference {
 public:
  explicit Reference(const char* expression) {
    hs_compile_error_t* error = nullptr;
    if (hs_compile(expression, 0, HS_MODE_STREAM, nullptr, &database_, &error) != HS_SUCCESS) {
      std::string message = error ? error->message : "?";
      hs_free_compile_error(error);
      FAIL("Vectorscan refused " << expression << ": " << message);
    }
    REQUIRE(hs_alloc_scratch(database_, &scratch_) == HS_SUCCESS);
  }
  Reference(const Reference&) = delete;
  Reference& operator=(const Reference&) = delete;
  ~Reference() {
    hs_free_scratch(scratch_);
    hs_free_database(database_);
  }

  std::set<std::size_t> ends(const std::string& text) const {
    std::set<std::size_t> out;
    auto on_match = [](unsigned, unsigned long long, unsigned long long to, unsigned,
                       void* context) {
      static_cast<std::set<std::size_t>*>(context)->insert(static_cast<std::size_t>(to));
      return 0;
    };
    hs_stream_t* stream = nullptr;
    REQUIRE(hs_open_stream(database_, 0, &stream) == HS_SUCCESS);
    bool scanned = true;
    for (char c : text)
      scanned = scanned && hs_scan_stream(stream, &c, 1, 0, scratch_, on_match, &out) == 0;
    REQUIRE(scanned);
    REQUIRE(hs_close_stream(stream, scratch_, on_match, &out) == HS_SUCCESS);
    return out;
  }

 private:
  hs_database_t* database_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
};

std::set<std::size_t> digit_pass_ends(const std::string& text, DigitTrigger trigger) {
  std::set<std::size_t> out;
  auto on_hit = [](void* context, DigitTrigger, std::size_t end) {
    auto& ends = *static_cast<std::set<std::size_t>*>(context);
    CHECK(ends.insert(end).second);  // each end once
  };
  find_digit_patterns(text, bit_of(trigger), on_hit, &out);
  return out;
}

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
    Reference reference(pattern.equivalent);
    for (const std::string& text : all) {
      INFO("pattern " << pattern.equivalent << " on \"" << text << "\"");
      REQUIRE(digit_pass_ends(text, pattern.trigger) == reference.ends(text));
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
