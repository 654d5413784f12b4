// Header lists are case-insensitive and keep order.
#include <string>
#include <vector>

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

TEST_CASE("headers keep their order and values through removals, copies and many fields") {
  Headers h;
  for (int i = 0; i < 40; ++i) {
    h.add("x-field-" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'v'));
  }
  h.remove("x-field-3");
  h.set("x-field-7", "seven");  // moves to the end
  Headers copy = h;
  h.clear();
  REQUIRE(h.empty());
  REQUIRE(copy.size() == 39);
  std::vector<std::string> names;
  for (const auto& field : copy) names.emplace_back(field.name);
  CHECK(names.front() == "x-field-0");
  CHECK(names[3] == "x-field-4");
  CHECK(names.back() == "x-field-7");
  CHECK(copy.get("x-field-39") == std::string(39, 'v'));
  CHECK(copy.get("x-field-7") == "seven");
  CHECK_FALSE(copy.has("x-field-3"));
}

TEST_CASE("a header may be set or added from a view into the same list") {
  Headers h;
  h.add("x-source", std::string(300, 's'));
  h.add("x-other", "o");
  // Each of these would read freed memory if the list moved its bytes first (ASan run).
  h.add("x-copy", h.get("x-source"));
  h.set("x-source", h.get("x-other"));
  h.set(h.get("x-other"), h.get("x-copy"));
  CHECK(h.get("x-copy") == std::string(300, 's'));
  CHECK(h.get("x-source") == "o");
  CHECK(h.get("o") == std::string(300, 's'));
  CHECK(h.size() == 4);
}

TEST_CASE("names compare without regard to ASCII case, and only to ASCII case") {
  CHECK(iequals("Content-Type", "content-type"));
  CHECK(iequals("X-RATELIMIT-LIMIT-REQUESTS", "x-ratelimit-limit-requests"));
  CHECK(iequals("", ""));
  CHECK_FALSE(iequals("content-type", "content-typ"));
  CHECK_FALSE(iequals("content-type", "content_type"));
  // Characters 0x20 apart that are not letters, and bytes above ASCII, stay distinct.
  CHECK_FALSE(iequals("@", "`"));
  CHECK_FALSE(iequals("[", "{"));
  CHECK_FALSE(iequals("x\xc0", "x\xe0"));
  CHECK(iequals("x\xc0", "x\xc0"));
}
