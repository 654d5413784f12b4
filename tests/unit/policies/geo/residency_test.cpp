// Residency on keys, users and teams: each list narrows the others, admin-made keys get
// their user's and team's, and lists that share nothing leave no region at all.
#include <catch2/catch.hpp>

#include "policies/auth/residency.h"

using namespace tollgate;
using namespace tollgate::policies::auth;

TEST_CASE("residency: a key's, user's and team's lists narrow each other") {
  NamedResidency named;
  named.teams["acme"] = {"eu"};
  named.users["alice"] = {"eu", "ch"};
  CHECK(named.narrow({}, "", "").empty());  // no list anywhere: any region
  CHECK(named.narrow({}, "", "acme") == Regions{"eu"});
  CHECK(named.narrow({"eu", "ch"}, "", "acme") == Regions{"eu"});
  CHECK(named.narrow({}, "alice", "") == Regions{"eu", "ch"});
  CHECK(named.narrow({"ch", "us"}, "alice", "") == Regions{"ch"});
  // Nothing in common: a region no provider can have, never "any region".
  Regions none = named.narrow({"us"}, "", "acme");
  REQUIRE(none.size() == 1);
  CHECK(none[0] != "us");
  CHECK(none[0] != "eu");
  CHECK_FALSE(none[0].empty());
}

TEST_CASE("residency: a key made through the admin API gets its team's regions") {
  NamedResidency named;
  named.teams["acme"] = {"eu"};
  auto key = std::make_shared<core::Principal>();
  key->key_id = "made-by-admin";
  key->team = "acme";
  core::PrincipalPtr narrowed = with_residency(key, named);
  CHECK(narrowed->residency == Regions{"eu"});
  CHECK(key->residency.empty());  // the stored principal is not changed
  auto other = std::make_shared<core::Principal>();
  other->team = "search";
  CHECK(with_residency(other, named).get() == other.get());  // nothing to add: no copy
}
