// API keys and tokens. Each family's pattern is its fixed prefix and a fixed number of
// token bytes, so the start is known from the end; the token is then read on to its end.
#include "policies/pii/extractors.h"
#include "policies/pii/text_chars.h"

namespace tollgate::policies::pii {

namespace {

constexpr std::size_t kMaxToken = 1024;
// A PEM block: a 4096-bit RSA key is about 3.3 KB; anything under 16 KiB is read whole.
constexpr std::size_t kMaxPem = 16 * 1024;

bool base64url(char c) {
  return chars::alnum(c) || c == '_' || c == '-';
}
bool alnum_underscore(char c) {
  return chars::word(c);
}
bool alnum_dash(char c) {
  return chars::alnum(c) || c == '-';
}

// Reads a token that starts `pattern_bytes` before `match_end` on over `in_class`; it
// needs a digit and a letter after the prefix (random tokens have both, English words
// joined by dashes do not).
template <typename Class>
std::optional<Span> token(std::string_view text, std::size_t match_end, std::size_t pattern_bytes,
                          std::size_t prefix_bytes, Class in_class) {
  std::size_t begin = match_end - pattern_bytes;
  std::size_t end = chars::run_end(text, match_end, in_class, kMaxToken);
  bool digit = false;
  bool letter = false;
  for (std::size_t i = begin + prefix_bytes; i < end; ++i) {
    digit = digit || chars::digit(text[i]);
    letter = letter || chars::alpha(text[i]);
  }
  if (!digit || !letter) return std::nullopt;
  return Span{begin, end};
}

}  // namespace

// sk-... (OpenAI, Anthropic's sk-ant-...): "sk-" and 20 bytes.
std::optional<Span> extract_openai_key(std::string_view text, std::size_t match_end) {
  return token(text, match_end, 23, 3, base64url);
}

// sk_live_... / rk_test_... (Stripe): 8 bytes of prefix and 16.
std::optional<Span> extract_stripe_key(std::string_view text, std::size_t match_end) {
  return token(text, match_end, 24, 8, chars::alnum);
}

// AKIA... (AWS access key ids): exactly 20 bytes, the pattern says it all.
std::optional<Span> extract_aws_key(std::string_view /*text*/, std::size_t match_end) {
  return Span{match_end - 20, match_end};
}

// ghp_, gho_, ghu_, ghs_, ghr_ (GitHub): the prefix and 36 bytes.
std::optional<Span> extract_github_token(std::string_view text, std::size_t match_end) {
  return token(text, match_end, 40, 4, chars::alnum);
}

// github_pat_ (GitHub fine-grained): the prefix and 22 bytes, more follow.
std::optional<Span> extract_github_pat(std::string_view text, std::size_t match_end) {
  return token(text, match_end, 33, 11, alnum_underscore);
}

// xoxb-, xoxp-, ... (Slack): "xox?-" and 10 bytes.
std::optional<Span> extract_slack_token(std::string_view text, std::size_t match_end) {
  return token(text, match_end, 15, 5, alnum_dash);
}

// AIza... (Google API keys): exactly 39 bytes.
std::optional<Span> extract_google_key(std::string_view text, std::size_t match_end) {
  return token(text, match_end, 39, 4, base64url);
}

// A JWT: the pattern ends at the dot after the payload ("eyJ...header.eyJ...payload.");
// header and payload are read back, the signature on.
std::optional<Span> extract_jwt(std::string_view text, std::size_t match_end) {
  std::size_t payload = chars::run_start(text, match_end - 1, base64url, kMaxToken * 8);
  if (payload < 2 || text[payload - 1] != '.') return std::nullopt;
  std::size_t begin = chars::run_start(text, payload - 1, base64url, kMaxToken);
  if (text.substr(begin, 3) != "eyJ") return std::nullopt;
  std::size_t end = chars::run_end(text, match_end, base64url, kMaxToken);
  return Span{begin, end};
}

// "-----BEGIN ... PRIVATE KEY-----" to its END line; a key cut short (no END line) to the
// last byte of its base64 body.
std::optional<Span> extract_pem_private_key(std::string_view text, std::size_t match_end) {
  std::size_t from = match_end > 64 ? match_end - 64 : 0;
  std::size_t begin = text.substr(from, match_end - from).rfind("-----BEGIN ");
  if (begin == std::string_view::npos) return std::nullopt;
  begin += from;
  std::string_view rest = text.substr(match_end, kMaxPem);
  std::size_t end_line = rest.find("-----END ");
  if (end_line != std::string_view::npos) {
    std::size_t close = rest.find("PRIVATE KEY-----", end_line);
    if (close != std::string_view::npos && close - end_line < 64)
      return Span{begin, match_end + close + 16};
  }
  auto body = [](char c) {
    return chars::alnum(c) || c == '+' || c == '/' || c == '=' || c == '\n' || c == '\r' ||
           c == '\\';
  };
  std::size_t end = chars::run_end(text, match_end, body, kMaxPem);
  while (end > match_end && !chars::alnum(text[end - 1]) && text[end - 1] != '=') --end;
  return Span{begin, end};
}

}  // namespace tollgate::policies::pii
