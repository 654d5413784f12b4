#include "policies/pii/validators.h"

#include <cstdint>

#include "policies/pii/text_chars.h"

namespace tollgate::policies::pii {

namespace {

struct IbanCountry {
  std::string_view code;
  std::size_t length;
};

// The IBAN registry's countries and their lengths (SWIFT, ISO 13616 registry, 2024).
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27},
    {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28},
    {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31},
    {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

// A decimal number of 1 to `max_digits` digits without a leading zero; its value or -1.
long parse_decimal(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return -1;
  if (text.size() > 1 && text.front() == '0') return -1;
  long value = 0;
  for (char c : text) {
    if (!chars::digit(c)) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

bool luhn_valid(std::string_view text) {
  int sum = 0;
  bool twice = false;
  for (std::size_t i = text.size(); i-- > 0;) {
    if (!chars::digit(text[i])) continue;
    int d = text[i] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

std::size_t iban_length(std::string_view country) {
  for (const IbanCountry& entry : kIbanCountries) {
    if (entry.code == country) return entry.length;
  }
  return 0;
}

bool iban_checksum_valid(std::string_view iban) {
  if (iban.size() < 5) return false;
  // Move the first four characters to the end, read letters as 10..35, and take the
  // whole number mod 97 piecewise (it has up to 68 digits).
  std::uint32_t remainder = 0;
  for (std::size_t k = 0; k < iban.size(); ++k) {
    char c = iban[(k + 4) % iban.size()];
    if (chars::digit(c)) {
      remainder = (remainder * 10 + static_cast<std::uint32_t>(c - '0')) % 97;
    } else if (chars::upper(c)) {
      remainder = (remainder * 100 + static_cast<std::uint32_t>(c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

bool ssn_valid(std::string_view digits) {
  if (digits.size() != 9) return false;
  for (char c : digits) {
    if (!chars::digit(c)) return false;
  }
  int area = (digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0');
  int group = (digits[3] - '0') * 10 + (digits[4] - '0');
  std::string_view serial = digits.substr(5);
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == "0000") return false;
  return digits != "078051120" && digits != "219099999";
}

bool ipv4_valid(std::string_view text) {
  for (int octet = 0; octet < 4; ++octet) {
    std::size_t dot = octet < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) return false;
    long value = parse_decimal(text.substr(0, dot), 3);
    if (value < 0 || value > 255) return false;
    text.remove_prefix(octet < 3 ? dot + 1 : dot);
  }
  return text.empty();
}

bool ipv6_valid(std::string_view text) {
  std::size_t gap = text.find("::");
  bool compressed = gap != std::string_view::npos;
  if (compressed && text.find("::", gap + 1) != std::string_view::npos) return false;
  // A colon at either end is only allowed as part of the "::".
  if (text.empty() || (text.front() == ':' && !text.starts_with("::")) ||
      (text.back() == ':' && !text.ends_with("::"))) {
    return false;
  }
  int groups = 0;
  int nonempty = 0;
  std::size_t longest = 0;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t colon = text.find(':', i);
    std::size_t stop = colon == std::string_view::npos ? text.size() : colon;
    std::string_view group = text.substr(i, stop - i);
    if (!group.empty()) {
      if (group.find('.') != std::string_view::npos) {
        // A dotted quad is the last part only, and stands for two groups.
        if (stop != text.size() || !ipv4_valid(group)) return false;
        groups += 2;
        nonempty += 2;
        longest = 4;
      } else {
        if (group.size() > 4) return false;
        for (char c : group) {
          if (!chars::hex(c)) return false;
        }
        ++groups;
        ++nonempty;
        longest = group.size() > longest ? group.size() : longest;
      }
    }
    if (colon == std::string_view::npos) break;
    i = colon + 1;
  }
  if (!compressed) return groups == 8;
  return groups < 8 && nonempty >= 2 && longest >= 3;
}

}  // namespace tollgate::policies::pii
