#include "policies/sanitize/injection_rules.h"

#include <array>
#include <cmath>
#include <cstdio>

namespace tollgate::policies::sanitize {

namespace {

struct RuleInfo {
  std::string_view name;
  // Chosen so that one unambiguous override crosses the default threshold (0.8) alone,
  // while a weaker signal (a role-play phrase, an encoded block, invisible characters)
  // needs a second one: "developer mode" also appears in phone manuals.
  double weight;
};

constexpr std::array<RuleInfo, kRuleCount> kRules{{
    {"instruction_override", 0.85},
    {"role_play_jailbreak", 0.6},
    {"system_prompt_exfiltration", 0.7},
    {"encoded_block", 0.35},
    {"invisible_characters", 0.5},
    {"tool_result_instructions", 0.6},
}};

// Phrasings, matched after stripping and NFKC (so full-width letters and zero-width
// splits read as the plain words). Whitespace is \s+ so extra spaces and new lines do not
// hide a phrase.
constexpr BuiltinPattern kPatterns[] = {
    {Rule::instruction_override,
     R"(\b(ignore|disregard|forget|skip|override|bypass)\s+((all|any|the|your|my|these|those)\s+)*)"
     R"((previous|prior|above|earlier|preceding|former|original|initial|system|existing)\s+)"
     R"((instructions?|prompts?|rules|directions|directives|guidelines|guidance|commands|context))"},
    {Rule::instruction_override,
     R"(\b(ignore|disregard|forget)\s+(everything|all)\s+(you\s+(were|have\s+been)\s+told|)"
     R"((that\s+)?(was\s+)?(said|written)\s+(above|before)))"},
    {Rule::instruction_override, R"(\bnew\s+(system\s+)?instructions\s*:)"},
    {Rule::instruction_override,
     R"(\b(from\s+now\s+on|henceforth)\s*,?\s+you\s+(will|must|shall|are\s+to)\b)"},
    {Rule::instruction_override,
     R"(\bdo\s+not\s+(follow|obey)\s+(your|the|any)\s+((previous|prior|original)\s+)?)"
     R"((instructions|rules|guidelines))"},
    {Rule::instruction_override,
     R"(\bignorier(e|en)?\s+(sie\s+)?(alle\s+)?(vorherigen|bisherigen|obigen)\s+)"
     R"((anweisungen|instruktionen|regeln))"},
    {Rule::instruction_override,
     R"(\bignore[rz]?\s+(toutes\s+)?(les\s+)?(instructions|consignes|règles)\s+)"
     R"((précédentes|antérieures|ci-dessus))"},
    {Rule::instruction_override,
     R"(\bignora(r)?\s+(todas\s+)?(las\s+)?(instrucciones|indicaciones|reglas)\s+)"
     R"((anteriores|previas))"},
    {Rule::role_play_jailbreak, R"(\b(developer|god|jailbreak|unrestricted|unfiltered)\s+mode\b)"},
    {Rule::role_play_jailbreak, R"(\bdo\s+anything\s+now\b)"},
    {Rule::role_play_jailbreak, R"(\bDAN\b)", false},
    {Rule::role_play_jailbreak, R"(\bjailbr(eak|oken)\b)"},
    {Rule::role_play_jailbreak,
     R"(\b(pretend|imagine|act\s+as\s+if|role-?play)\b.{0,40}\b(no|without)\s+)"
     R"((restrictions|limits|rules|filters|guidelines|censorship))"},
    {Rule::role_play_jailbreak,
     R"(\byou\s+are\s+(now\s+)?(no\s+longer|not)\s+(bound|restricted|limited|an?\s+ai\b|)"
     R"(chatgpt|an?\s+assistant))"},
    {Rule::role_play_jailbreak,
     R"(\b(act|behave)\s+as\s+(an?\s+)?(unfiltered|uncensored|unrestricted|evil|amoral)\b)"},
    {Rule::system_prompt_exfiltration,
     R"(\b(reveal|show|print|repeat|output|display|dump|leak|tell\s+me|give\s+me|)"
     R"(what\s+(is|are|was|were))\s+(me\s+)?(your|the)\s+((full|entire|exact|original)\s+)?)"
     R"((system|initial|original|hidden|secret|developer)\s+(prompt|instructions|message|rules))"},
    {Rule::system_prompt_exfiltration,
     R"(\b(repeat|print|output)\s+((the|all)\s+)?(words|text|everything)\s+(above|before))"},
    {Rule::system_prompt_exfiltration,
     R"(\bwhat\s+(were\s+you|are\s+you)\s+told\s+(before|at\s+the\s+(start|beginning)))"},
};

bool is_base64(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '=' || c == '-' || c == '_';
}

bool is_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string_view rule_name(Rule rule) {
  return kRules[static_cast<std::size_t>(rule)].name;
}
double rule_weight(Rule rule) {
  return kRules[static_cast<std::size_t>(rule)].weight;
}

std::span<const BuiltinPattern> builtin_patterns() {
  return kPatterns;
}

double injection_score(RuleMask fired) {
  double miss = 1.0;
  for (std::size_t i = 0; i < kRuleCount; ++i) {
    if ((fired & (1u << i)) != 0) miss *= 1.0 - kRules[i].weight;
  }
  return std::round((1.0 - miss) * 100.0) / 100.0;
}

std::string describe_injection(RuleMask fired, double score) {
  char number[16];
  std::snprintf(number, sizeof number, "%.2f", score);
  std::string out = number;
  char separator = ':';
  for (std::size_t i = 0; i < kRuleCount; ++i) {
    if ((fired & (1u << i)) == 0) continue;
    out.push_back(separator);
    out.append(kRules[i].name);
    separator = ',';
  }
  return out;
}

bool has_encoded_block(std::string_view text) {
  constexpr std::size_t kBase64Run = 160;
  constexpr std::size_t kHexRun = 128;
  std::size_t run = 0;
  bool hex = true, upper = false, lower = false, digit = false;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    auto c = i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
    if (i < text.size() && is_base64(c)) {
      ++run;
      hex = hex && is_hex(c);
      upper = upper || (c >= 'A' && c <= 'Z');
      lower = lower || (c >= 'a' && c <= 'z');
      digit = digit || (c >= '0' && c <= '9');
      continue;
    }
    if (hex && run >= kHexRun) return true;
    if (run >= kBase64Run && upper && lower && digit) return true;
    run = 0;
    hex = true;
    upper = lower = digit = false;
  }
  return false;
}

}  // namespace tollgate::policies::sanitize
