// IPv4 and IPv6 addresses. A version string, an OID or a clock time has the same bytes
// as an address more often than not; the whole run of digits and dots (or hex digits and
// colons) around a match is what is judged, and its neighbours.
#include "policies/pii/extractors.h"
#include "policies/pii/text_chars.h"
#include "policies/pii/validators.h"

namespace tollgate::policies::pii {

namespace {

constexpr std::size_t kMaxRun = 64;

bool ipv4_char(char c) {
  return chars::digit(c) || c == '.';
}
bool ipv6_char(char c) {
  return chars::hex(c) || c == ':' || c == '.';
}

}  // namespace

std::optional<Span> extract_ipv4(std::string_view text, std::size_t match_end) {
  std::size_t begin = chars::run_start(text, match_end, ipv4_char, kMaxRun);
  std::size_t end = chars::run_end(text, match_end, ipv4_char, kMaxRun);
  while (end > begin && text[end - 1] == '.') --end;  // the end of a sentence
  // "1.2.3.4.5" is reported at "1.2.3.4" too: only the run's own end counts.
  if (end != match_end || text[begin] == '.') return std::nullopt;
  if (chars::glued(text, begin, end, "-_.") || !ipv4_valid(text.substr(begin, end - begin)))
    return std::nullopt;
  if (chars::keyword_before(text, begin,
                            {"version", "ver", "v", "release", "build", "firmware", "section",
                             "chapter", "step", "rule"},
                            12)) {
    return std::nullopt;
  }
  return Span{begin, end};
}

std::optional<Span> extract_ipv6(std::string_view text, std::size_t match_end) {
  std::size_t begin = chars::run_start(text, match_end, ipv6_char, kMaxRun);
  std::size_t end = chars::run_end(text, match_end, ipv6_char, kMaxRun);
  while (end > begin && text[end - 1] == '.') --end;
  std::string_view run = text.substr(begin, end - begin);
  // A colon that ends a sentence or starts a label is not part of the address.
  if (run.size() >= 2 && run.back() == ':' && run[run.size() - 2] != ':') run.remove_suffix(1);
  if (run.size() >= 2 && run.front() == ':' && run[1] != ':') {
    run.remove_prefix(1);
    ++begin;
  }
  end = begin + run.size();
  if (chars::word(chars::before(text, begin)) || chars::word(chars::at(text, end)))
    return std::nullopt;
  if (!ipv6_valid(run)) return std::nullopt;
  return Span{begin, end};
}

}  // namespace tollgate::policies::pii
