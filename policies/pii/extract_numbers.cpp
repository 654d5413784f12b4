// Payment cards, US social security numbers and IBANs: numbers whose shape a pattern
// finds and whose check digits or number rules decide.
#include <array>

#include "policies/pii/extractors.h"
#include "policies/pii/text_chars.h"
#include "policies/pii/validators.h"

namespace tollgate::policies::pii {

namespace {

constexpr std::size_t kMaxCardDigits = 19;

bool card_separator(char c) {
  return c == ' ' || c == '-';
}

// Groups of a card number as written: every separator the same, the first group of four
// (4-4-4-4, 4-6-5 for Amex, 4-6-4 for Diners, 4-4-4-4-3), the others 3 to 7 digits.
bool card_grouping_valid(std::string_view run) {
  char separator = '\0';
  std::size_t group = 0;
  std::size_t groups = 0;
  for (std::size_t i = 0; i <= run.size(); ++i) {
    if (i < run.size() && chars::digit(run[i])) {
      ++group;
      continue;
    }
    if (i < run.size()) {
      if (separator != '\0' && run[i] != separator) return false;
      separator = run[i];
    }
    ++groups;
    bool first = groups == 1;
    if (separator != '\0' && first && group != 4) return false;
    if (!first && (group < 3 || group > 7)) return false;
    group = 0;
  }
  return true;
}

}  // namespace

// The pattern ends after a digit at a word boundary; the value is the whole run of digits
// and single separators around it, and must end exactly there.
std::optional<Span> extract_card(std::string_view text, std::size_t match_end) {
  if (card_separator(chars::at(text, match_end)) && chars::digit(chars::at(text, match_end + 1)))
    return std::nullopt;
  std::size_t begin = match_end;
  std::size_t digits = 0;
  while (begin > 0) {
    char c = text[begin - 1];
    if (chars::digit(c)) {
      if (++digits > kMaxCardDigits) return std::nullopt;
      --begin;
    } else if (card_separator(c) && begin >= 2 && chars::digit(text[begin - 2]) &&
               chars::digit(text[begin])) {
      --begin;
    } else {
      break;
    }
  }
  std::string_view run = text.substr(begin, match_end - begin);
  char first = run.front();
  if (digits < 13 || first < '2' || first > '6') return std::nullopt;  // no card network
  if (chars::glued(text, begin, match_end) || !card_grouping_valid(run) || !luhn_valid(run))
    return std::nullopt;
  return Span{begin, match_end};
}

// "123-45-6789" or "123 45 6789": eleven bytes ending at the match.
std::optional<Span> extract_ssn_grouped(std::string_view text, std::size_t match_end) {
  if (match_end < 11) return std::nullopt;
  std::size_t begin = match_end - 11;
  std::string_view value = text.substr(begin, 11);
  if ((value[3] != '-' && value[3] != ' ') || value[3] != value[6]) return std::nullopt;
  std::array<char, 9> digits{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i == 3 || i == 6) continue;
    if (!chars::digit(value[i])) return std::nullopt;
    digits[n++] = value[i];
  }
  // A space-grouped number beside more digit groups is part of something longer.
  if (value[3] == ' ') {
    bool group_before =
        chars::before(text, begin) == ' ' && chars::digit(chars::before(text, begin - 1));
    bool group_after =
        chars::at(text, match_end) == ' ' && chars::digit(chars::at(text, match_end + 1));
    if (group_before || group_after) return std::nullopt;
  }
  if (chars::glued(text, begin, match_end) || !ssn_valid({digits.data(), n})) return std::nullopt;
  return Span{begin, match_end};
}

// Nine bare digits are an SSN only when the text says so just before them.
std::optional<Span> extract_ssn_bare(std::string_view text, std::size_t match_end) {
  if (match_end < 9) return std::nullopt;
  std::size_t begin = match_end - 9;
  if (chars::glued(text, begin, match_end) || !ssn_valid(text.substr(begin, 9)) ||
      !chars::keyword_before(text, begin, {"ssn", "social security", "ss#", "ssn#"}, 32)) {
    return std::nullopt;
  }
  return Span{begin, match_end};
}

// The pattern is the country and check digits ("DE89"); the rest is read here, in groups
// of four separated by single spaces or not at all, to the country's exact length.
std::optional<Span> extract_iban(std::string_view text, std::size_t match_end) {
  std::size_t begin = match_end - 4;
  std::size_t length = iban_length(text.substr(begin, 2));
  if (length == 0) return std::nullopt;
  std::array<char, 34> compact{};
  std::size_t count = 0;
  for (; count < 4; ++count) compact[count] = text[begin + count];
  std::size_t i = match_end;
  while (count < length) {
    char c = chars::at(text, i);
    if (chars::upper(c) || chars::digit(c)) {
      compact[count++] = c;
      ++i;
    } else if (c == ' ' && count % 4 == 0 && chars::alnum(chars::at(text, i + 1))) {
      ++i;
    } else {
      break;
    }
  }
  if (count != length || chars::word(chars::at(text, i))) return std::nullopt;
  if (!iban_checksum_valid({compact.data(), count})) return std::nullopt;
  return Span{begin, i};
}

}  // namespace tollgate::policies::pii
