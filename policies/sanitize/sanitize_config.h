// The `sanitize:` section, read and checked once per config snapshot: limits, which
// invisible characters to strip, normalisation, the injection heuristic's action and
// threshold, deny patterns, and overrides per key, user, team or tag. Patterns are
// compiled here, so `--check` refuses a bad one at its file:line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/core/config.h"
#include "gateway/core/config_reader.h"
#include "gateway/core/principal.h"
#include "policies/common/principal_match.h"
#include "policies/sanitize/pattern_set.h"
#include "policies/sanitize/text_normalizer.h"

namespace tollgate::policies::sanitize {

enum class InjectionAction { off, flag, block };

struct InjectionSettings {
  InjectionAction action = InjectionAction::off;
  double threshold = 0.8;
};

// Ids in a profile's pattern set: the built-in phrases first, then deny patterns.
inline constexpr unsigned kDenyIdBase = 1000;

// What applies to one caller: the global settings, or an override's.
struct Profile {
  InjectionSettings injection;
  // The built-in injection phrases (when injection is on) and every deny pattern that
  // applies, in one set; null when there is none.
  std::shared_ptr<const PatternSet> patterns;
  // Where each deny pattern was written ("deny[0]", "overrides[1].deny[0]"), by id -
  // kDenyIdBase: what the audit line names (the pattern itself may be a secret word).
  std::vector<std::string> deny_labels;
};

struct SanitizeSettings {
  bool enabled = false;                // the section is there
  std::size_t max_messages = 0;        // 0: no limit
  std::size_t max_message_bytes = 0;   // 0: no limit
  std::int64_t max_prompt_tokens = 0;  // 0: no limit
  NormalizeOptions text;
  Profile global;
  std::vector<std::pair<PrincipalMatch, Profile>> overrides;  // the first that matches wins

  const Profile& profile_for(const core::Principal* principal) const;
};

SanitizeSettings read_sanitize_settings(const core::ConfigReader& reader,
                                        const core::Config& config);

}  // namespace tollgate::policies::sanitize
