#include "policies/pii/builtin_patterns.h"

namespace tollgate::policies::pii {

namespace {

// Why ends and not HS_FLAG_SOM_LEFTMOST: start-of-match tracking makes Vectorscan keep
// more state per pattern, refuses some patterns outright and slows the one pass that every
// byte goes through. Each pattern here instead ends at a point from which its extractor
// finds the start: a fixed length ("AKIA" + 16), a byte it names ('@'), or the run of the
// entity's bytes before it. The patterns are written so that one value ends one match, or
// a few (one per digit group), never one per byte.
constexpr BuiltinPattern kPatterns[] = {
    {Builtin::email, R"([A-Za-z0-9._%+\-]@[A-Za-z0-9])", extract_email},
    {Builtin::url_credentials, R"([A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@]*:[^\s/?#@]+@)",
     extract_url_credentials},

    {Builtin::card, R"(\b\d(?:[ \-]?\d){12,18}\b)", extract_card},
    {Builtin::ssn, R"(\b\d{3}-\d{2}-\d{4}\b)", extract_ssn_grouped},
    {Builtin::ssn, R"(\b\d{3} \d{2} \d{4}\b)", extract_ssn_grouped},
    {Builtin::ssn, R"(\b\d{9}\b)", extract_ssn_bare},
    {Builtin::iban, R"(\b[A-Z]{2}\d{2})", extract_iban},

    // E.164 with or without groups; US 3-3-4; a trunk zero (UK, DE, FR, IN); Indian
    // mobiles 5-5; and bare numbers, which need a word such as "phone" before them.
    {Builtin::phone, R"(\+\d[\d ().\-/]{6,22}\d\b)", extract_phone},
    {Builtin::phone, R"((?:\(\d{3}\) ?|\b\d{3}[ .\-])\d{3}[ .\-]\d{4}\b)", extract_phone},
    {Builtin::phone, R"((?:\(0\d{1,4}\) ?|\b0\d{1,5}[ .\-/])\d{2,8}(?:[ .\-]\d{2,4}){0,4}\b)",
     extract_phone},
    {Builtin::phone, R"(\b[6-9]\d{4} \d{5}\b)", extract_phone},
    {Builtin::phone, R"(\b\d{10,11}\b)", extract_phone},

    {Builtin::ipv4, R"(\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)", extract_ipv4},
    {Builtin::ipv6, R"(\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}\b)", extract_ipv6},
    {Builtin::ipv6, R"(\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}::)", extract_ipv6},
    {Builtin::ipv6, R"(::[0-9A-Fa-f]{1,4}\b)", extract_ipv6},

    {Builtin::secret, R"(\bsk-[A-Za-z0-9_\-]{20})", extract_openai_key},
    {Builtin::secret, R"(\b[rs]k_(?:live|test)_[A-Za-z0-9]{16})", extract_stripe_key},
    {Builtin::secret, R"(\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b)", extract_aws_key},
    {Builtin::secret, R"(\bgh[pousr]_[A-Za-z0-9]{36})", extract_github_token},
    {Builtin::secret, R"(\bgithub_pat_[A-Za-z0-9_]{22})", extract_github_pat},
    {Builtin::secret, R"(\bxox[abposre]-[A-Za-z0-9\-]{10})", extract_slack_token},
    {Builtin::secret, R"(\bAIza[A-Za-z0-9_\-]{35})", extract_google_key},
    {Builtin::secret, R"(\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.)", extract_jwt},
    {Builtin::secret, R"(-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----)", extract_pem_private_key},
};

}  // namespace

std::span<const BuiltinPattern> builtin_patterns() {
  return kPatterns;
}

}  // namespace tollgate::policies::pii
