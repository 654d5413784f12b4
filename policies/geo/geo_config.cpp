#include "policies/geo/geo_config.h"

#include <algorithm>

namespace tollgate::policies::geo {

namespace {

// `[DE, fr]` → {"DE", "FR"}: ISO 3166-1 alpha-2 codes, as the databases spell them.
std::vector<std::string> read_countries(const core::ConfigReader& r, const YAML::Node& node,
                                        const std::string& key) {
  std::vector<std::string> out;
  r.each(node, key, [&](const YAML::Node& item, const std::string& item_key) {
    std::string code = r.string_of(item, item_key);
    for (char& c : code) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    if (code.size() != 2 ||
        !std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      r.fail(item, item_key, "must be a two-letter ISO 3166 country code (DE, US)");
    }
    out.push_back(std::move(code));
  });
  return out;
}

// allow_countries, deny_countries (not both) and unknown of `node` over `base`.
GeoPolicy read_policy(const core::ConfigReader& r, const YAML::Node& node, const std::string& key,
                      GeoPolicy base) {
  bool allow = r.has(node["allow_countries"]);
  bool deny = r.has(node["deny_countries"]);
  if (allow && deny) {
    r.fail(node["deny_countries"], key + ".deny_countries",
           "cannot be given with allow_countries: one list or the other");
  }
  if (allow || deny) {
    base.allow = read_countries(r, node["allow_countries"], key + ".allow_countries");
    base.deny = read_countries(r, node["deny_countries"], key + ".deny_countries");
  }
  if (const YAML::Node n = node["unknown"]; r.has(n)) {
    std::string value = r.string_of(n, key + ".unknown");
    if (value != "allow" && value != "deny") r.fail(n, key + ".unknown", "must be allow or deny");
    base.allow_unknown = value == "allow";
  }
  return base;
}

std::vector<Network> read_networks(const core::ConfigReader& r, const YAML::Node& node,
                                   const std::string& key) {
  std::vector<Network> out;
  r.each(node, key, [&](const YAML::Node& item, const std::string& item_key) {
    auto network = Network::parse(r.string_of(item, item_key));
    if (!network) {
      r.fail(item, item_key, "must be an address or network (10.0.0.0/8, 2001:db8::/32)");
    }
    out.push_back(*network);
  });
  return out;
}

}  // namespace

bool GeoPolicy::allows(std::string_view country) const {
  if (country.empty()) return allow_unknown;
  if (!allow.empty()) return std::find(allow.begin(), allow.end(), country) != allow.end();
  return std::find(deny.begin(), deny.end(), country) == deny.end();
}

const GeoPolicy& GeoSettings::policy_for(const core::Principal* principal) const {
  for (const auto& [match, policy] : overrides) {
    if (match.matches(principal)) return policy;
  }
  return global;
}

GeoSettings read_geo_settings(const core::ConfigReader& r, const core::Config& config) {
  GeoSettings settings;
  const YAML::Node section = config.root["geo"];
  if (!r.has(section)) return settings;
  settings.enabled = true;
  if (!r.has(section["database"])) r.fail(section, "geo.database", "is required");
  settings.trusted_proxies = read_networks(r, section["trusted_proxies"], "geo.trusted_proxies");
  if (const YAML::Node n = section["forwarded_header"]; r.has(n)) {
    std::string value = r.string_of(n, "geo.forwarded_header");
    if (value != "x-forwarded-for" && value != "forwarded") {
      r.fail(n, "geo.forwarded_header", "must be x-forwarded-for or forwarded");
    }
    if (value == "forwarded") settings.forwarded_header = ForwardedHeader::forwarded;
  }
  settings.global = read_policy(r, section, "geo", GeoPolicy{});
  r.each(section["overrides"], "geo.overrides",
         [&](const YAML::Node& item, const std::string& key) {
           r.require_map(item, key);
           r.check_keys(item, key, {"match", "allow_countries", "deny_countries", "unknown"});
           PrincipalMatch match = read_principal_match(r, item, key + ".match");
           settings.overrides.emplace_back(std::move(match),
                                           read_policy(r, item, key, settings.global));
         });
  // Opened last: a config with another mistake never maps the file.
  std::string path = r.string_of(section["database"], "geo.database");
  try {
    settings.database = std::make_shared<const GeoDatabase>(path);
  } catch (const std::runtime_error& e) {
    r.fail(section["database"], "geo.database", e.what());
  }
  return settings;
}

}  // namespace tollgate::policies::geo
