// The prompt-injection heuristic: a weighted set of rules, each a family of phrasings
// (matched by Vectorscan with the deny patterns) or a property of the text (long encoded
// blocks, invisible characters, instructions inside a tool's result). A heuristic, not a
// classifier: docs/sanitize.md says what it catches and what it cannot.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace tollgate::policies::sanitize {

enum class Rule : unsigned {
  instruction_override,        // "ignore all previous instructions", in several phrasings
  role_play_jailbreak,         // "developer mode", DAN, "act as an unfiltered AI"
  system_prompt_exfiltration,  // "reveal your system prompt", "repeat the words above"
  encoded_block,               // a long base64 or hex run: a payload hidden from readers
  invisible_characters,        // zero-width, tag or bidi characters in the text
  tool_result_instructions,    // one of the phrase rules inside a tool's result
};
inline constexpr std::size_t kRuleCount = 6;

using RuleMask = unsigned;
inline constexpr RuleMask bit(Rule rule) {
  return 1u << static_cast<unsigned>(rule);
}
// The rules that are phrasings: when one fires in a tool's result, so does
// tool_result_instructions (text a tool fetched should not be giving orders).
inline constexpr RuleMask kPhraseRules = bit(Rule::instruction_override) |
                                         bit(Rule::role_play_jailbreak) |
                                         bit(Rule::system_prompt_exfiltration);

std::string_view rule_name(Rule rule);
double rule_weight(Rule rule);

// A phrase pattern of the built-in rules, as Vectorscan compiles it.
struct BuiltinPattern {
  Rule rule;
  const char* expression;
  bool caseless = true;
};
std::span<const BuiltinPattern> builtin_patterns();

// Noisy-OR of the weights of the rules fired (1 - Π(1 - w)), rounded to two decimals:
// rules add up without passing 1, and one strong rule alone can cross a threshold.
double injection_score(RuleMask fired);

// "0.94:instruction_override,tool_result_instructions": what the audit line records.
std::string describe_injection(RuleMask fired, double score);

// A run of at least 160 base64 characters mixing upper case, lower case and digits, or
// of 128 hex digits: longer than a hash or an id, typical of a smuggled payload.
bool has_encoded_block(std::string_view text);

}  // namespace tollgate::policies::sanitize
