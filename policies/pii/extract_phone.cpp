// Telephone numbers: E.164 ("+44 20 7946 0958") and the national forms of the US, UK,
// Germany, France and India. The patterns only find digit groups that could be one; the
// shape read here decides, so dates, versions, prices and order numbers pass.
#include <array>

#include "policies/pii/extractors.h"
#include "policies/pii/text_chars.h"

namespace tollgate::policies::pii {

namespace {

constexpr std::size_t kMaxPhoneBytes = 32;
constexpr std::size_t kMaxGroups = 8;

bool separator(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '/';
}
bool phone_char(char c) {
  return chars::digit(c) || separator(c) || c == '(' || c == ')' || c == '+';
}

// A candidate read group by group.
struct Shape {
  bool plus = false;
  std::size_t digits = 0;  // without a "(0)" trunk prefix after the country code
  std::size_t groups = 0;
  std::array<std::size_t, kMaxGroups> sizes{};
  std::array<char, 12> leading{};  // the first digits, as read
};

bool context_says_phone(std::string_view text, std::size_t begin) {
  return chars::keyword_before(text, begin,
                               {"phone", "tel", "telephone", "telefon", "call", "mobile", "cell",
                                "fax", "whatsapp", "sms", "mob"},
                               32);
}

// Reads `value` into `shape`; false when it is not written as a phone number is (a '+'
// inside, two separators in a row, unbalanced parentheses, separators of two kinds).
bool read_shape(std::string_view value, Shape& shape) {
  char kind = '\0';
  bool open = false;
  std::size_t group = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    char c = i < value.size() ? value[i] : '\0';
    if (chars::digit(c)) {
      if (shape.digits < shape.leading.size()) shape.leading[shape.digits] = c;
      ++shape.digits;
      ++group;
      continue;
    }
    if (group > 0) {
      if (shape.groups == kMaxGroups) return false;
      shape.sizes[shape.groups++] = group;
      group = 0;
    }
    if (c == '\0') break;
    if (c == '+') {
      if (i != 0) return false;
      shape.plus = true;
    } else if (c == '(') {
      bool after_country = shape.plus && shape.groups == 1;  // "+44(0)20"
      if (open || (chars::digit(chars::before(value, i)) && !after_country)) return false;
      open = true;
    } else if (c == ')') {
      if (!open || !chars::digit(chars::before(value, i))) return false;
      open = false;
    } else {
      char prev = chars::before(value, i);
      if (separator(prev) || prev == '+') return false;
      // After "+CC", after a ')' and a German "030/" the separator may differ.
      bool free = prev == ')' || chars::at(value, i + 1) == '(' ||
                  (shape.plus && shape.groups == 1) || (c == '/' && shape.groups == 1);
      if (!free) {
        if (kind != '\0' && kind != c) return false;
        kind = c;
      }
    }
  }
  return !open && shape.groups > 0;
}

// "+44 (0)20 ...": the trunk zero in parentheses is not dialled from abroad.
std::size_t trunk_zero(std::string_view value) {
  return value.find("(0)") != std::string_view::npos ? 1 : 0;
}

bool international_valid(const Shape& shape, std::size_t digits) {
  if (digits < 8 || digits > 15) return false;
  char a = shape.leading[0];
  char b = shape.leading[1];
  if (a == '0') return false;
  if (a == '1') return digits == 11;
  if (a == '4' && b == '4') return digits == 11 || digits == 12;
  if (a == '3' && b == '3') return digits == 11;
  if (a == '9' && b == '1') return digits == 12;
  if (a == '4' && b == '9') return digits >= 10 && digits <= 14;
  return true;
}

bool sizes_are(const Shape& shape, std::initializer_list<std::size_t> sizes) {
  if (shape.groups != sizes.size()) return false;
  std::size_t i = 0;
  for (std::size_t size : sizes) {
    if (shape.sizes[i++] != size) return false;
  }
  return true;
}

// NANP: area code and exchange both start with 2-9.
bool nanp_valid(const Shape& shape, std::size_t offset) {
  return shape.leading[offset] >= '2' && shape.leading[offset + 3] >= '2';
}

// `context_says` (is "phone" or the like written just before?) is asked only for a bare
// number of a plausible length: it reads 32 bytes, the rest reads a dozen.
template <typename Context>
bool national_valid(const Shape& shape, Context context_says) {
  std::size_t d = shape.digits;
  bool grouped = shape.groups >= 2;
  auto bare_with_context = [&] { return !grouped && context_says(); };
  if (shape.leading[0] == '0' && shape.leading[1] == '0') return grouped && d >= 10 && d <= 17;
  // An area code with its trunk zero has two digits or more ("0-306-40615-2" is an ISBN).
  if (shape.leading[0] == '0') {
    return d >= 10 && d <= 12 && shape.sizes[0] >= 2 && (grouped || bare_with_context());
  }
  if (d == 10 && nanp_valid(shape, 0) && (sizes_are(shape, {3, 3, 4}) || bare_with_context()))
    return true;
  if (d == 10 && shape.leading[0] >= '6' && (sizes_are(shape, {5, 5}) || bare_with_context()))
    return true;  // an Indian mobile number
  return d == 11 && shape.leading[0] == '1' && nanp_valid(shape, 1) &&
         (sizes_are(shape, {1, 3, 3, 4}) || bare_with_context());
}

bool phone_valid(std::string_view text, std::size_t begin, std::size_t end) {
  // The neighbours first: a few bytes decide most candidates (the tail of an order number
  // or a UUID) before the whole value is read.
  if (chars::glued(text, begin, end, "-./_,+")) return false;
  std::string_view value = text.substr(begin, end - begin);
  Shape shape;
  if (!read_shape(value, shape)) return false;
  if (shape.plus) return international_valid(shape, shape.digits - trunk_zero(value));
  return national_valid(shape, [&] { return context_says_phone(text, begin); });
}

}  // namespace

// The pattern ends after a digit at a word boundary. The candidate is the run of digits,
// separators and parentheses before it (bounded), and must end there: a run that goes on
// with "-" or "." and more digits is something longer. When the whole run is no number,
// a part of it after a space may be ("2024-01-15 415-555-2671").
std::optional<Span> extract_phone(std::string_view text, std::size_t match_end) {
  char next = chars::at(text, match_end);
  if ((next == '-' || next == '.' || next == '/') && chars::digit(chars::at(text, match_end + 1)))
    return std::nullopt;
  std::size_t begin = chars::run_start(text, match_end, phone_char, kMaxPhoneBytes);
  while (begin < match_end && !chars::digit(text[begin]) && text[begin] != '(' &&
         text[begin] != '+') {
    ++begin;
  }
  std::size_t plus = text.substr(begin, match_end - begin).rfind('+');
  if (plus != std::string_view::npos) begin += plus;
  if (phone_valid(text, begin, match_end)) return Span{begin, match_end};
  // Only where the space is not the number's own separator: "5657 0182 6945 1421" (an
  // order number) holds no phone number "0182 6945 1421".
  // (The text before match_end is a digit, so a part after a space is never empty.)
  std::size_t last_space = match_end;
  for (std::size_t i = match_end; i > begin; --i) {
    if (text[i - 1] == ' ') {
      last_space = i - 1;
      break;
    }
  }
  for (std::size_t i = begin; i < last_space; ++i) {
    if (text[i] != ' ') continue;
    bool own_kind = text[i + 1] == '(' || text[i + 1] == '+';
    if (own_kind && phone_valid(text, i + 1, match_end)) return Span{i + 1, match_end};
  }
  if (last_space < match_end && phone_valid(text, last_space + 1, match_end))
    return Span{last_space + 1, match_end};
  return std::nullopt;
}

std::optional<Span> extract_phone_after_plus(std::string_view text, std::size_t match_end) {
  std::size_t end = chars::run_end(text, match_end, phone_char, kMaxPhoneBytes);
  while (end > match_end && !chars::digit(text[end - 1])) --end;
  return extract_phone(text, end);
}

}  // namespace tollgate::policies::pii
