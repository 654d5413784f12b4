#include "policies/pii/builtin_patterns.h"

namespace tollgate::policies::pii {

namespace {

// Why ends and not HS_FLAG_SOM_LEFTMOST: start-of-match tracking makes Vectorscan keep
// more state per pattern, refuses some patterns outright and slows the one pass that every
// byte goes through. Each pattern here instead ends at a point from which its extractor
// finds the start: a fixed length ("AKIA" + 16), a byte it names ('@'), or the run of the
// entity's bytes before it. The patterns are written so that one value ends one match, or
// a few (one per digit group), never one per byte.

constexpr Probe kEmail[] = {{Builtin::email, extract_email}};
constexpr Probe kUrlCredentials[] = {{Builtin::url_credentials, extract_url_credentials}};
constexpr Probe kLongNumber[] = {{Builtin::card, extract_card},
                                 {Builtin::ssn, extract_ssn_grouped},
                                 {Builtin::ssn, extract_ssn_bare},
                                 {Builtin::phone, extract_phone}};
constexpr Probe kPlusNumber[] = {{Builtin::phone, extract_phone_after_plus}};
constexpr Probe kIpv4[] = {{Builtin::ipv4, extract_ipv4}};
constexpr Probe kIpv6[] = {{Builtin::ipv6, extract_ipv6}};
constexpr Probe kIban[] = {{Builtin::iban, extract_iban}};
constexpr Probe kOpenAi[] = {{Builtin::secret, extract_openai_key}};
constexpr Probe kStripe[] = {{Builtin::secret, extract_stripe_key}};
constexpr Probe kAws[] = {{Builtin::secret, extract_aws_key}};
constexpr Probe kGithub[] = {{Builtin::secret, extract_github_token}};
constexpr Probe kGithubPat[] = {{Builtin::secret, extract_github_pat}};
constexpr Probe kSlack[] = {{Builtin::secret, extract_slack_token}};
constexpr Probe kGoogle[] = {{Builtin::secret, extract_google_key}};
constexpr Probe kJwt[] = {{Builtin::secret, extract_jwt}};
constexpr Probe kPem[] = {{Builtin::secret, extract_pem_private_key}};

// Few, simple patterns: Vectorscan's pass costs by how many automata run side by side, not
// by how many values there are. Measured on chat-like text (loadtest/pii_bench): one
// pattern per phone form, card and SSN shape ran the pass at 0.28 GB/s; one trigger for
// every number of nine digits or more (with up to two separators between digits), read by
// each numeric extractor in turn, leaves the pass several times faster. Likewise IPv6 is
// found at a "::" or a chain of three colons, and read whole by its extractor.
//
// Every pattern without a literal to anchor on (those that start at any digit, or at the
// hex digits around a ':') still cost Vectorscan one wake-up per digit each: with them the
// pass alone ran at 1.2 GB/s on the benchmark's bodies, and 0.6 GB/s on number-heavy ones.
// They are digit patterns: one C++ pass over the digits and colons reports the same ends.
// So are the patterns of '@' and '+': with a literal of one byte in the set, Vectorscan's
// literal matcher ran the remaining patterns 25% slower.
constexpr BuiltinPattern kPatterns[] = {
    {R"([A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@]*:[^\s/?#@]+@)", kUrlCredentials},
    {R"(\bsk-[A-Za-z0-9_\-]{20})", kOpenAi},
    {R"(\b[rs]k_(?:live|test)_[A-Za-z0-9]{16})", kStripe},
    {R"(\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b)", kAws},
    {R"(\bgh[pousr]_[A-Za-z0-9]{36})", kGithub},
    {R"(\bgithub_pat_[A-Za-z0-9_]{22})", kGithubPat},
    {R"(\bxox[abposre]-[A-Za-z0-9\-]{10})", kSlack},
    {R"(\bAIza[A-Za-z0-9_\-]{35})", kGoogle},
    {R"(\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.)", kJwt},
    {R"(-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----)", kPem},
};

constexpr DigitPattern kDigitPatterns[] = {
    {DigitTrigger::long_number, R"(\d(?:[ \-./()]{0,2}\d){8,}\b)", kLongNumber},
    {DigitTrigger::ipv4, R"(\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)", kIpv4},
    {DigitTrigger::iban, R"(\b[A-Z]{2}\d{2})", kIban},
    {DigitTrigger::ipv6_compressed, R"([0-9A-Fa-f]{2}::|::[0-9A-Fa-f]{2})", kIpv6},
    {DigitTrigger::ipv6_chain, R"([0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f])",
     kIpv6},
    {DigitTrigger::plus_digit, R"(\+\d)", kPlusNumber},
    {DigitTrigger::email_at, R"([A-Za-z0-9._%+\-]@[A-Za-z0-9])", kEmail},
};

}  // namespace

std::span<const BuiltinPattern> builtin_patterns() {
  return kPatterns;
}

std::span<const DigitPattern> digit_patterns() {
  return kDigitPatterns;
}

}  // namespace tollgate::policies::pii
