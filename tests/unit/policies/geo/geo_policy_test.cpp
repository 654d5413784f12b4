// Which countries a policy serves, and which policy a caller gets (the first override
// that matches).
#include <catch2/catch.hpp>

#include "policies/geo/geo_config.h"

using namespace tollgate;
using namespace tollgate::policies::geo;

TEST_CASE("geo: allow lists, deny lists and unknown addresses") {
  GeoPolicy open;
  CHECK(open.allows("DE"));
  CHECK(open.allows(""));
  GeoPolicy allow{.allow = {"DE", "AT"}, .deny = {}, .allow_unknown = false};
  CHECK(allow.allows("AT"));
  CHECK_FALSE(allow.allows("US"));
  CHECK_FALSE(allow.allows(""));
  GeoPolicy deny{.allow = {}, .deny = {"US"}, .allow_unknown = true};
  CHECK_FALSE(deny.allows("US"));
  CHECK(deny.allows("FR"));
  CHECK(deny.allows(""));
}

TEST_CASE("geo: the first override that matches the caller wins") {
  GeoSettings settings;
  settings.global.deny = {"US"};
  policies::PrincipalMatch team;
  team.team = "public-sector";
  policies::PrincipalMatch key;
  key.key_id = "gov-1";
  settings.overrides.push_back(
      {team, GeoPolicy{.allow = {"DE"}, .deny = {}, .allow_unknown = false}});
  settings.overrides.push_back(
      {key, GeoPolicy{.allow = {"FR"}, .deny = {}, .allow_unknown = false}});
  core::Principal gov;
  gov.key_id = "gov-1";
  gov.team = "public-sector";
  core::Principal other;
  other.key_id = "app";
  CHECK(settings.policy_for(&gov).allows("DE"));
  CHECK_FALSE(settings.policy_for(&gov).allows("FR"));
  CHECK(settings.policy_for(&other).allows("FR"));
  CHECK_FALSE(settings.policy_for(nullptr).allows("US"));
}
