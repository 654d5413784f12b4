#include "policies/pii/word_list.h"

#include "policies/pii/text_chars.h"

namespace tollgate::policies::pii {

std::vector<std::string> parse_word_list(std::string_view contents) {
  std::vector<std::string> words;
  while (!contents.empty()) {
    std::size_t eol = contents.find('\n');
    std::string_view line = contents.substr(0, eol);
    contents.remove_prefix(eol == std::string_view::npos ? contents.size() : eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty()) words.emplace_back(line);
  }
  return words;
}

std::string word_pattern(std::string_view term) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string pattern;
  pattern.reserve(term.size() * 4 + 4);
  if (!term.empty() && chars::word(term.front())) pattern += "\\b";
  for (char c : term) {
    if (chars::alnum(c)) {
      pattern += c;
    } else {
      auto byte = static_cast<unsigned char>(c);
      pattern += "\\x";
      pattern += kHex[byte >> 4];
      pattern += kHex[byte & 0xf];
    }
  }
  if (!term.empty() && chars::word(term.back())) pattern += "\\b";
  return pattern;
}

}  // namespace tollgate::policies::pii
