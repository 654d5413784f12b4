// One pass over the texts of a request (prompt_texts.h): message limits, invisible
// characters stripped and NFKC applied where they change something (the body is then
// rebuilt by splicing only those string tokens), deny patterns and the injection rules
// matched on the cleaned text. Allocates nothing when nothing is found or changed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "gateway/core/errors.h"
#include "policies/sanitize/injection_rules.h"
#include "policies/sanitize/sanitize_config.h"

namespace tollgate::policies::sanitize {

struct ScanSettings {
  std::size_t max_messages = 0;       // 0: no limit
  std::size_t max_message_bytes = 0;  // 0: no limit
  NormalizeOptions text;
  const Profile* profile = nullptr;
};

// Why a request is refused: what the client is told, and what the audit line records.
struct Refusal {
  core::ErrorKind kind;
  std::string message;
  std::string param;
  std::string decision;
};

struct ScanOutcome {
  std::optional<Refusal> refusal;
  RuleMask fired = 0;      // injection rules that fired (none when injection is off)
  bool rewritten = false;  // `rewritten` holds the new body
};

// `body` keeps simdjson's padding (core::ensure_json_padding). When a text changes, the
// whole new body is written to `rewritten`, with the same padding.
ScanOutcome scan_prompt(const std::string& body, const ScanSettings& settings,
                        std::string& rewritten);

}  // namespace tollgate::policies::sanitize
