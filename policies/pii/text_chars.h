// Byte classes and small walks over text that the extractors share. ASCII only on
// purpose: every built-in entity is ASCII, so a span found with these starts and ends on
// a UTF-8 character boundary (a byte >= 0x80 is never in any class here).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string_view>

namespace tollgate::policies::pii::chars {

constexpr bool digit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool upper(char c) {
  return c >= 'A' && c <= 'Z';
}
constexpr bool lower(char c) {
  return c >= 'a' && c <= 'z';
}
constexpr bool alpha(char c) {
  return upper(c) || lower(c);
}
constexpr bool alnum(char c) {
  return alpha(c) || digit(c);
}
constexpr bool word(char c) {
  return alnum(c) || c == '_';
}
constexpr bool hex(char c) {
  return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr char to_lower(char c) {
  return upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

// The byte at `i`, or NUL outside the text: lets a check look one byte past either end.
constexpr char at(std::string_view text, std::size_t i) {
  return i < text.size() ? text[i] : '\0';
}
constexpr char before(std::string_view text, std::size_t i) {
  return i == 0 ? '\0' : text[i - 1];
}

// Walks left from `end` while `in_class` holds, at most `limit` bytes: the start of the run.
template <typename Class>
std::size_t run_start(std::string_view text, std::size_t end, Class in_class,
                      std::size_t limit = 256) {
  std::size_t begin = end;
  while (begin > 0 && end - begin < limit && in_class(text[begin - 1])) --begin;
  return begin;
}

// Walks right from `begin` while `in_class` holds, at most `limit` bytes: the end of the run.
template <typename Class>
std::size_t run_end(std::string_view text, std::size_t begin, Class in_class,
                    std::size_t limit = 256) {
  std::size_t end = begin;
  while (end < text.size() && end - begin < limit && in_class(text[end])) ++end;
  return end;
}

// True when a token at [begin, end) continues another one: a word byte right beside it, or
// one of `joiners` between it and a letter or digit ("ORD-4155552671", "1.2.3.4-beta").
// Order numbers and versions are such glued tokens; a value standing alone is not.
inline bool glued(std::string_view text, std::size_t begin, std::size_t end,
                  std::string_view joiners = "-./_,") {
  char left = before(text, begin);
  char right = at(text, end);
  if (word(left) || word(right)) return true;
  // A loop, not find(): this runs for every number candidate, and memchr's call costs more
  // than five compares.
  auto joiner = [joiners](char c) {
    for (char j : joiners) {
      if (c == j) return true;
    }
    return false;
  };
  if (left != '\0' && joiner(left) && alnum(before(text, begin - 1))) return true;
  return right != '\0' && joiner(right) && alnum(at(text, end + 1));
}

// True when one of `words` (lower-case, whole words) is within `window` bytes before
// `begin`, ignoring case: context for the bare forms ("SSN 123456789", "phone: 4155552671").
inline bool keyword_before(std::string_view text, std::size_t begin,
                           std::initializer_list<std::string_view> words, std::size_t window = 24) {
  std::size_t from = begin > window ? begin - window : 0;
  std::string_view context = text.substr(from, begin - from);
  for (std::string_view keyword : words) {
    if (keyword.size() > context.size()) continue;
    for (std::size_t i = 0; i + keyword.size() <= context.size(); ++i) {
      std::size_t k = 0;
      while (k < keyword.size() && to_lower(context[i + k]) == keyword[k]) ++k;
      if (k == keyword.size() && !alpha(before(context, i)) &&
          !alpha(at(context, i + keyword.size()))) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace tollgate::policies::pii::chars
