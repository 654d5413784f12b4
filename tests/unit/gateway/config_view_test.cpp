// What GET /admin/config shows: secrets masked by name and in URLs, numbers that only
// look like secrets left alone; and which changes a reload refuses as needing a restart.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "gateway/core/module_registry.h"
#include "gateway/reload/config_view.h"
#include "tests/unit/config_support.h"

using namespace tollgate;
using namespace tollgate::gateway::reload;

namespace {

using testing::config_of;

}  // namespace

TEST_CASE("the config view masks secrets, keeps the rest", "[reload]") {
  core::ConfigPtr config = config_of(R"(server:
  admin_key: admin-key-0123456789abcdef
  threads: 2
providers:
  - {name: p, kind: openai, base_url: "https://api.example.com/v1", api_key: sk-secret-value}
keys:
  - {id: app, key: tg-client-key-000001, limits: {rpm: 60, tokens_per_day: 1000}}
state:
  redis: "redis://:hunter2@127.0.0.1:6379/0"
)");
  std::string text = config_view_json({config, std::chrono::system_clock::now()});
  for (const char* secret :
       {"admin-key-0123456789abcdef", "sk-secret-value", "tg-client-key-000001", "hunter2"}) {
    CHECK(text.find(secret) == std::string::npos);
  }
  boost::json::value view = boost::json::parse(text);
  const auto& c = view.at("config");
  CHECK(c.at("server").at("threads") == 2);
  CHECK(c.at("keys").at(0).at("id") == "app");
  CHECK(c.at("keys").at(0).at("limits").at("tokens_per_day") == 1000);
  CHECK(c.at("state").at("redis") == "redis://:****@127.0.0.1:6379/0");
  CHECK(view.at("files").at(0).at("path") == "test.yaml");
}

TEST_CASE("URL passwords are masked; URLs without one are not touched", "[reload]") {
  CHECK(mask_url_password("postgres://admin:pw@db:5432/app") ==
        "postgres://admin:****@db:5432/app");
  CHECK(mask_url_password("https://example.com/a@b") == "https://example.com/a@b");
  CHECK(mask_url_password("https://user@example.com") == "https://user@example.com");
  CHECK(secret_key_name("x-api-key"));
  CHECK_FALSE(secret_key_name("keys"));
  CHECK_FALSE(secret_key_name("max_tokens"));
}

TEST_CASE("server: and module sections take a restart; routes and stages do not", "[reload]") {
  const std::string base = "models:\n  - {name: m, targets: [{provider: demo, model: demo}]}\n";
  core::ConfigPtr running = config_of("server: {threads: 2}\n" + base);
  const auto& registry = core::module_registry();
  CHECK(restart_needed(*running,
                       *config_of("server: {threads: 2}\n" + base +
                                  "routes:\n  - {match: {model: x}, to: m}\n"),
                       registry)
            .empty());
  CHECK(restart_needed(*running,
                       *config_of("server: {threads: 2}\nlogging: {level: debug}\n" + base),
                       registry)
            .empty());
  core::ConfigPtr audited =
      config_of("server: {threads: 2}\naudit: {path: a.jsonl, include_bodies: false}\n" + base);
  CHECK(restart_needed(*audited,
                       *config_of("server: {threads: 2}\naudit: {path: a.jsonl, include_bodies: "
                                  "true}\n" +
                                  base),
                       registry)
            .empty());
  CHECK_THAT(
      restart_needed(*audited, *config_of("server: {threads: 2}\naudit: {path: b.jsonl}\n" + base),
                     registry),
      Catch::Contains("audit:"));
  CHECK_THAT(restart_needed(*running, *config_of("server: {threads: 4}\n" + base), registry),
             Catch::Contains("server:"));
  CHECK_THAT(restart_needed(*running,
                            *config_of("server: {threads: 2}\nstate: {sqlite: other.db}\n" + base),
                            registry),
             Catch::Contains("state:"));
}
