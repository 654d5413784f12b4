// The digit pass. Each pattern's ends, as its regular expression (builtin_patterns.cpp)
// defines them:
//   - long_number: a digit where a chain (digit groups joined by one or two of " -./()")
//     holds nine digits or more since its start, and no word byte follows;
//   - ipv4: the same, where the last four groups have one to three digits, are joined by
//     single dots, and no word byte precedes the first;
//   - iban: two digits after two capitals after no word byte;
//   - ipv6_compressed: "xx::" and "::xx" with hex digits x;
//   - ipv6_chain: "x:" then two groups of one to four hex digits each closed by ':', then x;
//   - plus_digit: '+' and a digit;
//   - email_at: '@' after one of "A-Za-z0-9._%+-" and before a letter or digit.
// tests/unit/policies/pii/digit_pass_test.cpp holds each against Vectorscan.
#include "policies/pii/scanner_digits.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <cstring>

#include "policies/pii/text_chars.h"

namespace tollgate::policies::pii {

namespace {

// Besides digits, the bytes that start a pattern.
bool other_wake(char c) {
  return c == ':' || c == '+' || c == '@';
}

// Byte classes in one table: a class test is a load and a bit test, not a chain of
// compares and branches (the pass runs them at every digit of every text).
enum : std::uint8_t {
  kDigit = 1,
  kJoiner = 2,
  kWord = 4,
  kUpper = 8,
  kHex = 16,
  kAlnum = 32,
  kLocal = 64,  // may end an address's local part
};

constexpr std::array<std::uint8_t, 256> kClasses = [] {
  std::array<std::uint8_t, 256> classes{};
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b);
    std::uint8_t bits = 0;
    if (chars::digit(c)) bits |= kDigit;
    if (c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')') bits |= kJoiner;
    if (chars::word(c)) bits |= kWord;
    if (chars::upper(c)) bits |= kUpper;
    if (chars::hex(c)) bits |= kHex;
    if (chars::alnum(c)) bits |= kAlnum;
    if (chars::alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-') bits |= kLocal;
    classes[static_cast<std::size_t>(b)] = bits;
  }
  return classes;
}();

// The classes of the byte at `i`; none outside the text.
std::uint8_t class_at(std::string_view text, std::size_t i) {
  return i < text.size() ? kClasses[static_cast<unsigned char>(text[i])] : 0;
}
std::uint8_t class_before(std::string_view text, std::size_t i) {
  return i == 0 ? 0 : kClasses[static_cast<unsigned char>(text[i - 1])];
}

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighBits = kOnes * 0x80;

// The end of the run of digits at `i`, eight bytes at a time: a byte XOR '0' below 10 is a
// digit; with its high bit set first, subtracting 10 borrows from no other byte.
std::size_t digits_end(std::string_view text, std::size_t i) {
  while (i + 8 <= text.size()) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof word);
    std::uint64_t t = word ^ (kOnes * 0x30);
    std::uint64_t not_digit = (((t | kHighBits) - kOnes * 10) | t) & kHighBits;
    if (not_digit != 0) return i + static_cast<std::size_t>(__builtin_ctzll(not_digit)) / 8;
    i += 8;
  }
  while (i < text.size() && chars::digit(text[i])) ++i;
  return i;
}

// Of 64 bytes, bit k for byte k: the digits, and the other bytes that wake the pass.
struct Wakes {
  std::uint64_t digits = 0;
  std::uint64_t others = 0;  // ':', '+', '@'
};

Wakes wakes_of(const char* p) {
  Wakes wakes;
#if defined(__SSE2__)
  const __m128i zero = _mm_set1_epi8(0x30);
  const __m128i nine = _mm_set1_epi8(9);
  for (int k = 0; k < 4; ++k) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    __m128i offset = _mm_sub_epi8(bytes, zero);  // 0..9 for digits, as unsigned
    __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(offset, nine), offset);
    __m128i other = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(':')),
                                 _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('+')),
                                              _mm_cmpeq_epi8(bytes, _mm_set1_epi8('@'))));
    auto bits = [](__m128i m) {
      return static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(m)));
    };
    wakes.digits |= bits(digit) << (16 * k);
    wakes.others |= bits(other) << (16 * k);
  }
#else
  for (int k = 0; k < 64; ++k) {
    wakes.digits |= static_cast<std::uint64_t>(chars::digit(p[k])) << k;
    wakes.others |= static_cast<std::uint64_t>(other_wake(p[k])) << k;
  }
#endif
  return wakes;
}

// The same for the `size` (< 64) bytes at `p`.
Wakes tail_wakes_of(const char* p, std::size_t size) {
  Wakes wakes;
  for (std::size_t k = 0; k < size; ++k) {
    wakes.digits |= static_cast<std::uint64_t>(chars::digit(p[k])) << k;
    wakes.others |= static_cast<std::uint64_t>(other_wake(p[k])) << k;
  }
  return wakes;
}

// The length of the run of hex digits at `i`, counting at most `limit`.
std::size_t hex_run(std::string_view text, std::size_t i, std::size_t limit) {
  std::size_t k = 0;
  while (k < limit && (class_at(text, i + k) & kHex) != 0) ++k;
  return k;
}

struct Pass {
  std::string_view text;
  DigitTriggers wanted;
  DigitHit hit;
  void* context;

  bool wants(DigitTrigger trigger) const { return (wanted & bit_of(trigger)) != 0; }
  void report(DigitTrigger trigger, std::size_t end) const {
    if (wants(trigger)) hit(context, trigger, end);
  }

  // The colon at `c`: "::" beside two hex digits, or the first colon of a chain.
  void colon(std::size_t c) const {
    bool hex_before = (class_before(text, c) & kHex) != 0;
    if (chars::at(text, c + 1) == ':') {
      if (hex_before && (class_before(text, c - 1) & kHex) != 0)
        report(DigitTrigger::ipv6_compressed, c + 2);
      if (hex_run(text, c + 2, 2) == 2) report(DigitTrigger::ipv6_compressed, c + 4);
    }
    if (!hex_before || !wants(DigitTrigger::ipv6_chain)) return;
    std::size_t i = c + 1;
    for (int group = 0; group < 2; ++group) {
      std::size_t run = hex_run(text, i, 5);
      if (run == 0 || run > 4 || chars::at(text, i + run) != ':') return;
      i += run + 1;
    }
    if ((class_at(text, i) & kHex) != 0) report(DigitTrigger::ipv6_chain, i + 1);
  }

  // A '+' or an '@' at `i`.
  void sign(std::size_t i) const {
    if (text[i] == '+') {
      if ((class_at(text, i + 1) & kDigit) != 0) report(DigitTrigger::plus_digit, i + 2);
    } else if ((class_before(text, i) & kLocal) != 0 && (class_at(text, i + 1) & kAlnum) != 0) {
      report(DigitTrigger::email_at, i + 2);
    }
  }

  // False when no pattern can end in the chain that starts with the run of digits
  // [start, end): the run stands alone (no joiner and digit after it), has fewer than nine
  // digits, and no two capitals before it.
  bool may_end_in(std::size_t start, std::size_t end) const {
    std::uint8_t after = class_at(text, end);
    std::uint8_t second = class_at(text, end + 1);
    bool joined = (after & kJoiner) != 0 &&
                  ((second & kDigit) != 0 ||
                   ((second & kJoiner) != 0 && (class_at(text, end + 2) & kDigit) != 0));
    bool capitals =
        start >= 2 && (class_at(text, start - 1) & class_at(text, start - 2) & kUpper) != 0;
    return joined || capitals || end - start >= 9;
  }

  // The chain of digit groups starting at the digit `start` (no digit before it); returns
  // where it stops.
  std::size_t chain(std::size_t start) const {
    if (start >= 2 && (class_at(text, start - 1) & class_at(text, start - 2) & kUpper) != 0 &&
        (class_before(text, start - 2) & kWord) == 0 && (class_at(text, start + 1) & kDigit) != 0)
      report(DigitTrigger::iban, start + 2);
    std::size_t digits = 0;
    std::size_t quad = 0;  // dotted groups of 1 to 3 digits so far, the first after no word byte
    bool dot_joined = false;
    std::size_t i = start;
    for (;;) {
      std::size_t group = i;
      i = digits_end(text, i);
      digits += i - group;
      if (i - group > 3) {
        quad = 0;
      } else if (dot_joined) {
        ++quad;
      } else {
        quad = (class_before(text, group) & kWord) == 0 ? 1 : 0;
      }
      std::uint8_t next = class_at(text, i);
      if ((next & kWord) == 0) {
        if (digits >= 9) report(DigitTrigger::long_number, i);
        if (quad >= 4) report(DigitTrigger::ipv4, i);
      }
      if ((next & kJoiner) == 0) return i;
      std::uint8_t second = class_at(text, i + 1);
      std::size_t j = i + 1;
      if ((second & kDigit) == 0) {
        if ((second & kJoiner) == 0 || (class_at(text, i + 2) & kDigit) == 0) return i;
        j = i + 2;
      }
      dot_joined = j == i + 1 && text[i] == '.';
      i = j;
    }
  }
};

}  // namespace

// Finds the bytes that wake the pass 64 at a time; each chain, colon or sign handled says
// where the walk goes on (a chain swallows its digits and joiners). A run of digits that
// no pattern can end in is stepped over with its block's mask alone: the walk's next step
// then waits on no load, which is most of the cost on text dense with numbers.
void find_digit_patterns(std::string_view text, DigitTriggers wanted, DigitHit hit, void* context) {
  if (wanted == 0) return;
  Pass pass{text, wanted, hit, context};
  const char* data = text.data();
  std::size_t n = text.size();
  std::size_t next = 0;  // the first byte not yet handled
  for (std::size_t block = 0; block < n; block += 64) {
    if (next >= block + 64) continue;
    Wakes wakes = block + 64 <= n ? wakes_of(data + block) : tail_wakes_of(data + block, n - block);
    std::uint64_t mask = wakes.digits | wakes.others;
    if (next > block) mask &= ~std::uint64_t{0} << (next - block);
    while (mask != 0) {
      unsigned k = static_cast<unsigned>(__builtin_ctzll(mask));
      std::size_t i = block + k;
      if ((wakes.digits >> k & 1) == 0) {
        if (text[i] == ':') {
          pass.colon(i);
        } else {
          pass.sign(i);
        }
        next = i + 1;
      } else {
        // The run's end when it ends in this block (beyond == 0: it runs on into the next).
        std::uint64_t beyond = ~wakes.digits & (~std::uint64_t{0} << k);
        std::size_t end =
            beyond == 0 ? n : block + static_cast<std::size_t>(__builtin_ctzll(beyond));
        next = beyond != 0 && !pass.may_end_in(i, end) ? end : pass.chain(i);
      }
      if (next >= block + 64) break;
      mask &= ~std::uint64_t{0} << (next - block);
    }
  }
}

}  // namespace tollgate::policies::pii
