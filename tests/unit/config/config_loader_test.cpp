// The config loader: env expansion, unknown keys with file:line, duplicates, defaults,
// and secrets kept out of messages.
#include <catch2/catch.hpp>

#include <map>

#include "gateway/config/config_loader.h"
#include "gateway/core/provider_registry.h"
#include "routing/providers/builtin.h"

using namespace tollgate;
using namespace tollgate::gateway::config;

namespace {

LoadOptions with_env(std::map<std::string, std::string> vars) {
  LoadOptions options;
  options.env = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  static const core::ProviderRegistry providers = [] {
    core::ProviderRegistry registry;
    tollgate::routing::providers::register_builtin_providers(registry);
    return registry;
  }();
  options.providers = &providers;
  return options;
}

std::string error_of(const std::string& yaml, const LoadOptions& options = with_env({})) {
  try {
    load_config_text(yaml, "test.yaml", options);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("an empty document gives the defaults and the demo provider") {
  auto config = load_config_text("", "test.yaml", with_env({}));
  REQUIRE(config->server.listen.size() == 1);
  REQUIRE(config->server.listen[0].address.port == 8080);
  REQUIRE(config->server.max_body_bytes == 4 * 1024 * 1024);
  REQUIRE(config->server.idle_poll.count() == 0);  // sleeps at once unless asked
  REQUIRE(config->find_provider("demo") != nullptr);
  REQUIRE(config->models.empty());
}

TEST_CASE("the full server section") {
  auto config = load_config_text(R"(
server:
  listen:
    - 127.0.0.1:8080
    - address: "[::1]:8443"
      tls: {cert: c.pem, key: k.pem}
  admin: 127.0.0.1:9090
  threads: 3
  max_body_bytes: 1000
  header_timeout: 250ms
  idle_timeout: 2m
  drain_timeout: 1h
  idle_poll_us: 250
)",
                                 "test.yaml", with_env({}));
  const auto& s = config->server;
  REQUIRE(s.listen.size() == 2);
  REQUIRE(s.listen[1].address.host == "::1");
  REQUIRE(s.listen[1].tls->cert == "c.pem");
  REQUIRE(s.admin->port == 9090);
  REQUIRE(s.threads == 3);
  REQUIRE(s.header_timeout == std::chrono::milliseconds(250));
  REQUIRE(s.idle_timeout == std::chrono::minutes(2));
  REQUIRE(s.drain_timeout == std::chrono::hours(1));
  REQUIRE(s.idle_poll == std::chrono::microseconds(250));
}

TEST_CASE("environment variables expand anywhere, with defaults") {
  auto config = load_config_text(R"(
server: {threads: "${N:-2}", listen: "${HOST}:${PORT:-81}"}
providers:
  - {name: p, kind: openai, base_url: "http://${HOST}/v1", api_key: "${KEY}"}
models: [{name: m, targets: [{provider: p, model: "x-${HOST}"}]}]
)",
                                 "test.yaml", with_env({{"HOST", "h"}, {"KEY", "sk-1"}}));
  REQUIRE(config->server.threads == 2);
  REQUIRE(config->server.listen[0].address.host == "h");
  REQUIRE(config->server.listen[0].address.port == 81);
  REQUIRE(config->providers[0].api_key == "sk-1");
  REQUIRE(config->models[0].targets[0].model == "x-h");
  REQUIRE(config->root["models"][0]["targets"][0]["model"].as<std::string>() == "x-h");
}

TEST_CASE("an unset variable without default is an error naming it and its line") {
  auto message = error_of("server:\n  admin: ${ADMIN_ADDR}\n");
  REQUIRE(message.find("test.yaml:2:") != std::string::npos);
  REQUIRE(message.find("ADMIN_ADDR") != std::string::npos);
}

// Found by tests/fuzz/config_loader_fuzz.cpp: an alias inside the node it names made
// expansion recurse until the stack overflowed (tollgate --check crashed), and aliases of
// aliases multiply: these few lines stand for 10^9 values.
TEST_CASE("aliases that loop or multiply are errors, not a crash or a hang") {
  std::string loop = error_of("x: &a\n  y: *a\n");
  CHECK(loop.find("test.yaml:") == 0);
  CHECK(loop.find("alias") != std::string::npos);

  std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) laughs += (j ? ", " : "") + prev;
    laughs += "]\n";
  }
  // Refused while expanding, before the unknown sections a0..a9 are looked at.
  std::string many = error_of(laughs);
  CHECK(many.find("test.yaml:") == 0);
  CHECK(many.find("alias") != std::string::npos);

  // Shared anchors are still fine in moderation.
  auto config = load_config_text(R"(
models:
  - name: m
    targets: &targets [{provider: demo, model: demo}]
  - name: n
    targets: *targets
)",
                                 "test.yaml", with_env({}));
  REQUIRE(config->models.size() == 2);
}

TEST_CASE("literal dollars stay") {
  std::string out = expand_env(
      "a$b $ c$${X:-y}", [](const std::string&) { return std::nullopt; }, {}, "k");
  REQUIRE(out == "a$b $ c$y");
}

TEST_CASE("unknown keys are errors with file, line and path") {
  auto message = error_of("server:\n  listn: 1\n");
  REQUIRE(message.find("test.yaml:2:3: server.listn: unknown key") != std::string::npos);
  message = error_of("server:\n  listen:\n    - address: 127.0.0.1:1\n      tlss: {}\n");
  REQUIRE(message.find("test.yaml:4:") != std::string::npos);
  REQUIRE(message.find("server.listen[0].tlss") != std::string::npos);
  REQUIRE_FALSE(error_of("bogus: 1\n").empty());
}

TEST_CASE("wrong types and values are reported") {
  REQUIRE(error_of("server: {threads: abc}").find("server.threads") != std::string::npos);
  REQUIRE(error_of("server: {idle_poll_us: 20000}").find("server.idle_poll_us") !=
          std::string::npos);
  REQUIRE(error_of("server: {max_body_bytes: -1}").find("server.max_body_bytes") !=
          std::string::npos);
  REQUIRE(error_of("server: {header_timeout: 10 parsecs}").find("header_timeout") !=
          std::string::npos);
  REQUIRE(error_of("server: {listen: [\"127.0.0.1:99999\"]}").find("port") != std::string::npos);
  REQUIRE(error_of("providers: [{name: p, kind: openai, base_url: ftp://x}]").find("scheme") !=
          std::string::npos);
  REQUIRE(error_of("providers: [{name: p, kind: openai, base_url: http://x, tls_verify: maybe}]")
              .find("true or false") != std::string::npos);
}

TEST_CASE("duplicates and dangling references are reported") {
  auto message = error_of(R"(providers:
  - {name: p, kind: openai, base_url: "http://a"}
  - {name: p, kind: openai, base_url: "http://b"}
)");
  REQUIRE(message.find("test.yaml:3:") != std::string::npos);
  REQUIRE(message.find("duplicate") != std::string::npos);
  REQUIRE(message.find("test.yaml:2") != std::string::npos);
  message = error_of("models: [{name: m, targets: [{provider: nope, model: x}]}]");
  REQUIRE(message.find("unknown provider 'nope'") != std::string::npos);
  REQUIRE(error_of("models: [{name: m, targets: []}]").find("non-empty") != std::string::npos);
  REQUIRE(
      error_of("providers: [{name: p, kind: klingon, base_url: http://a}]").find("known: openai") !=
      std::string::npos);
}

TEST_CASE("a secret never appears in an error") {
  auto message = error_of(R"(providers:
  - name: p
    kind: openai
    base_url: http://a
    api_key: {nested: sk-very-secret}
)");
  REQUIRE_FALSE(message.empty());
  REQUIRE(message.find("sk-very-secret") == std::string::npos);
}

TEST_CASE("value parsers") {
  REQUIRE(parse_duration("5") == std::chrono::seconds(5));
  REQUIRE_THROWS(parse_duration("-5s"));
  REQUIRE_THROWS(parse_duration("5d"));
  REQUIRE(parse_host_port(":8080").host == "0.0.0.0");
  REQUIRE(parse_host_port("localhost:80").host == "localhost");
  auto url = parse_url("https://api.openai.com/v1/");
  REQUIRE(url.port == 443);
  REQUIRE(url.path == "/v1");
  REQUIRE(parse_url("http://127.0.0.1:9000").port == 9000);
  REQUIRE(parse_url("http://127.0.0.1:9000").path.empty());
}
