// Data residency on keys, users and teams (`residency: [eu]`, docs/geo.md): the provider
// regions that may serve a caller. A key's list, its user's and its team's each narrow
// the others. Read with the keys; `--check` (and every load) warns about a model a
// resident key may use that no target in its regions can serve.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "gateway/core/config.h"
#include "gateway/core/config_reader.h"
#include "gateway/core/principal.h"

namespace tollgate::policies::auth {

using Regions = std::vector<std::string>;

// `residency:` of the config's users and teams, by name.
struct NamedResidency {
  std::map<std::string, Regions, std::less<>> users, teams;

  // Reads config.root["users"] and ["teams"] (their other keys are the limits stage's).
  static NamedResidency read(const core::ConfigReader& r, const core::Config& config);
  bool empty() const { return users.empty() && teams.empty(); }
  // `own` narrowed by the user's and the team's lists. Empty `own`: any region.
  Regions narrow(Regions own, const std::string& user, const std::string& team) const;
};

// Reads a `residency: [eu, ...]` list (absent: empty).
Regions read_regions(const core::ConfigReader& r, const YAML::Node& node, const std::string& key);

// The same principal with its user's and team's residency applied, when they narrow it.
core::PrincipalPtr with_residency(core::PrincipalPtr principal, const NamedResidency& named);

// Logs a warning for each model `principal` may use whose chain (the model and its
// fallbacks) has no target whose provider is in the principal's regions.
void warn_uncompliant_models(const core::Config& config, const core::Principal& principal);

}  // namespace tollgate::policies::auth
