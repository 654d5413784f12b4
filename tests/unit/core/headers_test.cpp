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

TEST_CASE(
    "append_field writes a field line, but never an owned field or one that splits the head") {
  constexpr std::string_view owned[] = {"content-length", "connection"};
  std::string head;
  CHECK(tollgate::core::append_field(head, "x-request-id", "req_1", owned));
  CHECK(head == "x-request-id: req_1\r\n");
  CHECK_FALSE(tollgate::core::append_field(head, "Content-Length", "5", owned));
  CHECK_FALSE(tollgate::core::append_field(head, "x-evil", "a\r\nset-cookie: b", owned));
  CHECK_FALSE(tollgate::core::append_field(head, "x-evil\n", "a", owned));
  CHECK_FALSE(tollgate::core::append_field(head, "", "a", owned));
  CHECK(head == "x-request-id: req_1\r\n");
}
