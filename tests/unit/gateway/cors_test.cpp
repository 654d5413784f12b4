// server.cors: what the loader accepts, and the preflight and answer fields built from it.
#include <catch2/catch.hpp>

#include "gateway/pipeline/cors.h"
#include "tests/unit/config_support.h"

using namespace tollgate;
using gateway::pipeline::add_cors_headers;
using gateway::pipeline::allowed_origin;
using gateway::pipeline::answer_preflight;

namespace {

core::CorsConfig cors_of(const std::string& section, const std::string& rest = "") {
  return testing::config_of("server:\n  cors:\n" + section + rest)->server.cors;
}

core::Exchange preflight(std::string origin, std::string request_headers = "") {
  core::Exchange exchange;
  exchange.method = "OPTIONS";
  exchange.path = "/v1/chat/completions";
  exchange.request_headers.add("origin", origin);
  exchange.request_headers.add("access-control-request-method", "POST");
  if (!request_headers.empty()) {
    exchange.request_headers.add("access-control-request-headers", request_headers);
  }
  return exchange;
}

}  // namespace

TEST_CASE("cors is off unless configured, and reads origins, headers and max_age") {
  REQUIRE_FALSE(testing::config_of("models: []\n")->server.cors.enabled());
  auto cors = cors_of("    origins: [\"HTTPS://App.example.com\"]\n    max_age: 90s\n");
  REQUIRE(cors.enabled());
  REQUIRE(cors.origins == std::vector<std::string>{"https://app.example.com"});
  REQUIRE(cors.max_age == std::chrono::seconds(90));
  REQUIRE(std::find(cors.headers.begin(), cors.headers.end(), "x-stainless-*") !=
          cors.headers.end());
}

TEST_CASE("cors refuses origins browsers never send, and * with keys unless said") {
  auto refused = [](const std::string& yaml, const std::string& what) {
    REQUIRE_THROWS_WITH(testing::config_of(yaml), Catch::Contains(what));
  };
  refused("server:\n  cors: {origins: [\"https://a.example/\"]}\n", "server.cors.origins[0]");
  refused("server:\n  cors: {origins: [\"a.example\"]}\n", "must be an origin");
  refused("server:\n  cors: {origins: [\"null\"]}\n", "never allowed");
  refused("server:\n  cors: {origins: []}\n", "server.cors.origins");
  refused("server:\n  cors: {origins: [\"*\", \"https://a.example\"]}\n", "only origin");
  refused("server:\n  cors: {origins: [\"https://a.example\"], headers: [\"*\"]}\n",
          "server.cors.headers[0]");
  std::string keys = "keys:\n  - {id: a, key: tg-unit-key-000001}\n";
  refused("server:\n  cors: {origins: [\"*\"]}\n" + keys, "allow_any_origin_with_keys");
  refused("server:\n  admin_key: 0123456789abcdef0\n  cors: {origins: [\"*\"]}\n",
          "allow_any_origin_with_keys");
  auto any = testing::config_of(
      "server:\n  cors: {origins: [\"*\"], allow_any_origin_with_keys: true}\n" + keys);
  REQUIRE(any->server.cors.any_origin);
  REQUIRE(testing::config_of("server:\n  cors: {origins: [\"*\"]}\n")->server.cors.any_origin);
}

TEST_CASE("a preflight from an allowed origin gets the fields; others get 403 without them") {
  auto cors = cors_of("    origins: [\"https://app.example.com\"]\n");
  core::Response answer;
  auto ok = preflight("https://app.example.com", "Authorization, X-Stainless-OS, x-other");
  REQUIRE(answer_preflight(cors, ok, answer));
  REQUIRE(answer.status == 204);
  REQUIRE(answer.headers.get("access-control-allow-origin") == "https://app.example.com");
  REQUIRE(answer.headers.get("vary") == "origin");
  REQUIRE(answer.headers.get("access-control-max-age") == "600");
  std::string allowed(answer.headers.get("access-control-allow-headers"));
  REQUIRE(allowed.find("authorization") != std::string::npos);
  REQUIRE(allowed.find("x-stainless-os") != std::string::npos);
  REQUIRE(allowed.find("x-other") == std::string::npos);

  auto other = preflight("https://evil.example.com");
  REQUIRE(answer_preflight(cors, other, answer));
  REQUIRE(answer.status == 403);
  REQUIRE_FALSE(answer.headers.has("access-control-allow-origin"));

  auto not_v1 = preflight("https://app.example.com");
  not_v1.path = "/admin/keys";
  REQUIRE_FALSE(answer_preflight(cors, not_v1, answer));
  core::CorsConfig off;
  REQUIRE_FALSE(answer_preflight(off, ok, answer));
}

TEST_CASE("hostile origins and header lists are bounded") {
  auto cors = cors_of("    origins: [\"https://app.example.com\"]\n");
  core::Headers two;
  two.add("origin", "https://app.example.com");
  two.add("origin", "https://app.example.com");
  REQUIRE(allowed_origin(cors, two).empty());
  core::Headers huge;
  huge.add("origin", std::string(100000, 'a'));
  REQUIRE(allowed_origin(cors, huge).empty());
  std::string names;
  for (int i = 0; i < 5000; ++i) names += "x-stainless-n" + std::to_string(i % 100) + ",";
  auto many = preflight("https://app.example.com", names);
  core::Response answer;
  REQUIRE(answer_preflight(cors, many, answer));
  std::string allowed(answer.headers.get("access-control-allow-headers"));
  REQUIRE(std::count(allowed.begin(), allowed.end(), ',') < 64 + 20);
}

TEST_CASE("answers to an allowed origin expose the gateway's headers; * never varies") {
  auto cors = cors_of("    origins: [\"https://app.example.com\"]\n");
  core::Exchange exchange;
  exchange.request_headers.add("origin", "https://app.example.com");
  add_cors_headers(cors, exchange);
  REQUIRE(exchange.response_headers.get("access-control-allow-origin") ==
          "https://app.example.com");
  REQUIRE(exchange.response_headers.get("access-control-expose-headers").find("x-ratelimit-") !=
          std::string_view::npos);
  REQUIRE_FALSE(exchange.response_headers.has("access-control-allow-credentials"));
  auto any = cors_of("    origins: [\"*\"]\n");
  core::Exchange anyone;
  anyone.request_headers.add("origin", "https://x.example");
  add_cors_headers(any, anyone);
  REQUIRE(anyone.response_headers.get("access-control-allow-origin") == "*");
  REQUIRE_FALSE(anyone.response_headers.has("vary"));
}
