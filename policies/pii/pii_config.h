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
#include "policies/pii/scanner.h"

namespace tollgate::policies::pii {

enum class Direction { request, response, both };

struct PiiSettings {
  bool enabled = false;  // the section is there
  Direction direction = Direction::both;
  std::shared_ptr<const Scanner> scanner;  // every entity any policy uses
  ActionPolicy global;
  std::vector<std::pair<PrincipalMatch, ActionPolicy>> overrides;  // the first that matches wins

  bool scans_requests() const { return direction != Direction::response; }
  bool restores_answers() const { return direction != Direction::request; }
  const ActionPolicy& policy_for(const core::Principal* principal) const;
};

PiiSettings read_pii_settings(const core::ConfigReader& reader, const core::Config& config);

}  // namespace tollgate::policies::pii
