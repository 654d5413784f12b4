#include "policies/auth/residency.h"

#include <algorithm>
#include <set>

#include "gateway/core/log.h"

namespace tollgate::policies::auth {

namespace {

void read_named(const core::ConfigReader& r, const YAML::Node& list, const char* section,
                std::map<std::string, Regions, std::less<>>& out) {
  r.each(list, section, [&](const YAML::Node& entry, const std::string& key) {
    if (!entry.IsMap() || !r.has(entry["residency"]) || !r.has(entry["name"])) return;
    std::string name = r.string_of(entry["name"], key + ".name");
    out[name] = read_regions(r, entry["residency"], key + ".residency");
  });
}

// The regions in both lists; an empty list is any region. Lists that share no region
// leave one no provider can have (regions are letters, digits, '-' and '_'): such a caller
// is served nowhere, never everywhere.
Regions intersect(Regions a, const Regions& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  std::erase_if(a, [&](const std::string& region) {
    return std::find(b.begin(), b.end(), region) == b.end();
  });
  if (a.empty()) a.emplace_back("(none)");
  return a;
}

bool chain_compliant(const core::Config& config, const core::ModelConfig& model,
                     const Regions& regions) {
  std::vector<const core::ModelConfig*> chain{&model};
  for (const auto& name : model.fallbacks) {
    if (const core::ModelConfig* next = config.find_model(name)) chain.push_back(next);
  }
  for (const core::ModelConfig* link : chain) {
    for (const auto& target : link->targets) {
      const core::ProviderConfig* provider = config.find_provider(target.provider);
      if (provider != nullptr &&
          std::find(regions.begin(), regions.end(), provider->region) != regions.end()) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

Regions read_regions(const core::ConfigReader& r, const YAML::Node& node, const std::string& key) {
  Regions out;
  if (!r.has(node)) return out;
  if (!node.IsSequence() || node.size() == 0) {
    r.fail(node, key, "must be a non-empty list of provider regions ([eu])");
  }
  r.each(node, key, [&](const YAML::Node& item, const std::string& item_key) {
    std::string region = r.string_of(item, item_key);
    if (region.empty()) r.fail(item, item_key, "must not be empty");
    if (std::find(out.begin(), out.end(), region) == out.end()) out.push_back(std::move(region));
  });
  return out;
}

NamedResidency NamedResidency::read(const core::ConfigReader& r, const core::Config& config) {
  NamedResidency named;
  read_named(r, config.root["users"], "users", named.users);
  read_named(r, config.root["teams"], "teams", named.teams);
  return named;
}

Regions NamedResidency::narrow(Regions own, const std::string& user,
                               const std::string& team) const {
  if (auto it = users.find(user); !user.empty() && it != users.end()) {
    own = intersect(std::move(own), it->second);
  }
  if (auto it = teams.find(team); !team.empty() && it != teams.end()) {
    own = intersect(std::move(own), it->second);
  }
  return own;
}

core::PrincipalPtr with_residency(core::PrincipalPtr principal, const NamedResidency& named) {
  if (!principal || named.empty()) return principal;
  Regions regions = named.narrow(principal->residency, principal->user, principal->team);
  if (regions == principal->residency) return principal;
  auto copy = std::make_shared<core::Principal>(*principal);
  copy->residency = std::move(regions);
  return copy;
}

void warn_uncompliant_models(const core::Config& config, const core::Principal& principal) {
  if (principal.residency.empty()) return;
  std::string regions;
  for (const auto& r : principal.residency) regions += (regions.empty() ? "" : ",") + r;
  for (const auto& model : config.models) {
    if (!principal.allows_model(model.name) ||
        chain_compliant(config, model, principal.residency)) {
      continue;
    }
    core::log_warn("residency: key '" + principal.key_id + "' (regions " + regions +
                   ") may use model '" + model.name +
                   "', but no target of it or its fallbacks has a provider in those regions: "
                   "its requests for that model get 503 no_compliant_target");
  }
}

}  // namespace tollgate::policies::auth
