// The `geo:` section (docs/geo.md): the database, the proxies whose forwarding header
// (and which one) is believed, which countries may call (allow_countries or deny_countries), what
// an unknown address gets, and per-caller overrides (the first that matches wins). Read once per
// config snapshot; the database is opened here, so a missing or corrupt file is an error at
// `geo.database` that names it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/config.h"
#include "gateway/core/config_reader.h"
#include "gateway/core/principal.h"
#include "policies/common/principal_match.h"
#include "policies/geo/client_address.h"
#include "policies/geo/geo_database.h"

namespace tollgate::policies::geo {

struct GeoPolicy {
  std::vector<std::string> allow;  // non-empty: only these countries
  std::vector<std::string> deny;   // these countries never
  bool allow_unknown = true;       // `unknown: allow | deny`

  // `country` empty: the database does not know the address (or it is unknown).
  bool allows(std::string_view country) const;
};

struct GeoSettings {
  bool enabled = false;  // the section is there
  std::shared_ptr<const GeoDatabase> database;
  std::vector<Network> trusted_proxies;
  ForwardedHeader forwarded_header = ForwardedHeader::x_forwarded_for;
  GeoPolicy global;
  std::vector<std::pair<PrincipalMatch, GeoPolicy>> overrides;

  const GeoPolicy& policy_for(const core::Principal* principal) const;
};

GeoSettings read_geo_settings(const core::ConfigReader& reader, const core::Config& config);

}  // namespace tollgate::policies::geo
