// The `pii:` section (docs/pii.md): which entities are looked for and what is done with
// each, custom entities, the hash key, and per-caller overrides. Read once per config
// snapshot; the scanner is compiled here, so a bad pattern is an error at its file:line.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gateway/core/config.h"
#include "gateway/core/config_reader.h"
#include "gateway/core/principal.h"
#include "policies/common/principal_match.h"
#include "policies/pii/actions.h"
#include "policies/pii/answer_scan.h"
#include "policies/pii/scanner.h"

namespace tollgate::policies::pii {

enum class Direction { request, response, both };

struct PiiSettings {
  bool enabled = false;  // the section is there
  Direction direction = Direction::both;
  std::shared_ptr<const Scanner> scanner;  // every entity any policy uses
  ActionPolicy global;
  std::vector<std::pair<PrincipalMatch, ActionPolicy>> overrides;  // the first that matches wins
  // The same policies for the texts a model writes (answer_policy(): pseudonymize masks),
  // made once at load; override_answers[i] belongs to overrides[i].
  ActionPolicy global_answers;
  std::vector<ActionPolicy> override_answers;
  bool custom_entities = false;  // streamed answers hold back a window (AnswerTextScanner)
  // A custom pattern anchors (^, $, \A, \z): it matches at a text's edges, which a scan of
  // a whole answer body cannot see, so answers are parsed before they are scanned.
  bool custom_anchored = false;
  bool pseudonymizes = false;  // some policy pseudonymizes: answers get values back

  bool scans_requests() const { return direction != Direction::response; }
  bool scans_answers() const { return direction != Direction::request; }
  // The answer hooks: to scan answers, or to put pseudonymized values back (whatever the
  // direction: that is what pseudonymize promises).
  bool edits_answers() const { return scans_answers() || (scans_requests() && pseudonymizes); }
  const ActionPolicy& policy_for(const core::Principal* principal) const;
  const ActionPolicy& answer_policy_for(const core::Principal* principal) const;
};

PiiSettings read_pii_settings(const core::ConfigReader& reader, const core::Config& config);

}  // namespace tollgate::policies::pii
