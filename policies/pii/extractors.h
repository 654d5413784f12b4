// The extractors: from the end of a Vectorscan match to the value's exact span, validated.
// Vectorscan finds candidates in one pass; these decide what a candidate is, in C++,
// where check digits, number plans and the bytes around a value can be read.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace tollgate::policies::pii {

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// `match_end` is where the entity's pattern matched (the `to` of the callback); a pattern
// shared by several entities ends where suits none of them in particular, so each checks
// the bytes it needs rather than trusting the pattern's shape. An
// extractor looks only at bytes within a bounded distance of it, so a hostile text costs
// at most a constant per match.
using Extractor = std::optional<Span> (*)(std::string_view text, std::size_t match_end);

std::optional<Span> extract_email(std::string_view text, std::size_t match_end);
std::optional<Span> extract_url_credentials(std::string_view text, std::size_t match_end);

std::optional<Span> extract_card(std::string_view text, std::size_t match_end);
std::optional<Span> extract_ssn_grouped(std::string_view text, std::size_t match_end);
std::optional<Span> extract_ssn_bare(std::string_view text, std::size_t match_end);
std::optional<Span> extract_iban(std::string_view text, std::size_t match_end);

std::optional<Span> extract_phone(std::string_view text, std::size_t match_end);
// From a "+" and its first digit: reads on to the number's end, then as extract_phone.
std::optional<Span> extract_phone_after_plus(std::string_view text, std::size_t match_end);

std::optional<Span> extract_ipv4(std::string_view text, std::size_t match_end);
std::optional<Span> extract_ipv6(std::string_view text, std::size_t match_end);

// Secrets, one per token family (builtin_patterns.cpp gives each its pattern).
std::optional<Span> extract_openai_key(std::string_view text, std::size_t match_end);
std::optional<Span> extract_stripe_key(std::string_view text, std::size_t match_end);
std::optional<Span> extract_aws_key(std::string_view text, std::size_t match_end);
std::optional<Span> extract_github_token(std::string_view text, std::size_t match_end);
std::optional<Span> extract_github_pat(std::string_view text, std::size_t match_end);
std::optional<Span> extract_slack_token(std::string_view text, std::size_t match_end);
std::optional<Span> extract_google_key(std::string_view text, std::size_t match_end);
std::optional<Span> extract_jwt(std::string_view text, std::size_t match_end);
std::optional<Span> extract_pem_private_key(std::string_view text, std::size_t match_end);

}  // namespace tollgate::policies::pii
