// Email addresses and the credentials in a URL's authority: both found at their '@'.
#include <array>

#include "policies/pii/extractors.h"
#include "policies/pii/text_chars.h"

namespace tollgate::policies::pii {

namespace {

bool local_char(char c) {
  return chars::alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
}
bool domain_char(char c) {
  return chars::alnum(c) || c == '.' || c == '-';
}
// Printable ASCII but the delimiters of an authority (non-ASCII is percent-encoded there).
bool userinfo_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte > ' ' && byte < 0x7f && c != '/' && c != '?' && c != '#' && c != '@';
}

// Image names such as "icon@2x.png" have the shape of an address.
bool file_extension(std::string_view tld) {
  constexpr std::array<std::string_view, 7> kExtensions = {"png", "jpg",  "jpeg", "gif",
                                                           "svg", "webp", "bmp"};
  for (std::string_view ext : kExtensions) {
    if (tld.size() != ext.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < ext.size(); ++i) same = same && chars::to_lower(tld[i]) == ext[i];
    if (same) return true;
  }
  return false;
}

// Labels of letters, digits and inner hyphens, at least two, the last (the TLD) letters only.
bool valid_domain(std::string_view domain) {
  std::size_t labels = 0;
  std::string_view last;
  while (!domain.empty()) {
    std::size_t dot = domain.find('.');
    std::string_view label = domain.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  if (labels < 2 || last.size() < 2 || file_extension(last)) return false;
  for (char c : last) {
    if (!chars::alpha(c)) return false;
  }
  return true;
}

// True when the '@' at `at` is inside a URL's authority ("https://user:pw@host"): then it
// is url_credentials' business (or a user name), not an address.
bool in_url_authority(std::string_view text, std::size_t at) {
  std::size_t begin = chars::run_start(text, at, userinfo_char, 256);
  return begin >= 3 && text.substr(begin - 3, 3) == "://";
}

}  // namespace

// The pattern ends one byte past the '@' (a local-part byte, '@', a domain byte).
std::optional<Span> extract_email(std::string_view text, std::size_t match_end) {
  std::size_t at = match_end - 2;
  std::size_t begin = chars::run_start(text, at, local_char, 64);
  while (begin < at && (text[begin] == '.' || text[begin] == '-' || text[begin] == '\'')) ++begin;
  if (begin == at || text[at - 1] == '.' || in_url_authority(text, at)) return std::nullopt;
  std::size_t end = chars::run_end(text, at + 1, domain_char, 253);
  while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) --end;
  if (chars::word(chars::at(text, end)) || !valid_domain(text.substr(at + 1, end - at - 1)))
    return std::nullopt;
  return Span{begin, end};
}

// The pattern ends just past the '@' of "scheme://user:password@". The span is the
// user information without its '@', so a masked URL still reads as one.
std::optional<Span> extract_url_credentials(std::string_view text, std::size_t match_end) {
  std::size_t at = match_end - 1;
  std::size_t begin = chars::run_start(text, at, userinfo_char, 256);
  if (begin < 4 || text.substr(begin - 3, 3) != "://" || !chars::alpha(text[begin - 4]))
    return std::nullopt;
  std::string_view userinfo = text.substr(begin, at - begin);
  std::size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos || colon + 1 == userinfo.size()) return std::nullopt;
  return Span{begin, at};
}

}  // namespace tollgate::policies::pii
