// Header lists are case-insensitive and keep order.
#include <catch2/catch.hpp>

#include "gateway/core/headers.h"

using namespace tollgate::core;

TEST_CASE("headers are found whatever their case, and set replaces all") {
  Headers h;
  h.add("Content-Type", "application/json");
  h.add("X-Thing", "1");
  h.add("x-thing", "2");
  REQUIRE(h.get("content-type") == "application/json");
  REQUIRE(h.get("X-THING") == "1");
  h.set("x-thing", "3");
  REQUIRE(h.size() == 2);
  REQUIRE(h.get("x-thing") == "3");
  h.remove("CONTENT-TYPE");
  REQUIRE_FALSE(h.has("content-type"));
}
