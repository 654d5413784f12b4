// The `cache:` section: defaults, every key, and errors that name file:line and the key.
#include <catch2/catch.hpp>

#include "cache/cache_config.h"
#include "gateway/config/config_loader.h"

using namespace tollgate;
using namespace tollgate::cache;

namespace {

constexpr const char* kBase = R"(providers:
  - {name: p, kind: openai, base_url: "http://127.0.0.1:1/v1"}
models:
  - name: m
    targets: [{provider: p, model: m}]
)";

CacheSettings read(const std::string& section) {
  gateway::config::LoadOptions options;
  options.env = [](const std::string&) { return std::nullopt; };
  auto config = gateway::config::load_config_text(kBase + section, "test.yaml", options);
  return read_cache_settings(core::ConfigReader(config->source), *config);
}

std::string error_of(const std::string& section) {
  try {
    read(section);
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("cache: absent is off; the issue's example reads", "[cache]") {
  CHECK_FALSE(read("").enabled);
  auto s = read(R"(cache:
  scope: team
  store: memory
  max_bytes: 268435456
  exact: {ttl: 1h}
  semantic:
    ttl: 24h
    threshold: 0.92
    embedder: builtin
    max_entries: 200000
  skip: {tools: true, temperature_above: 1.0}
)");
  CHECK(s.enabled);
  CHECK(s.scope == Scope::team);
  CHECK(s.exact_ttl == std::chrono::hours(1));
  REQUIRE(s.semantic);
  CHECK(s.semantic->ttl == std::chrono::hours(24));
  CHECK(s.semantic->threshold == Approx(0.92));
  CHECK(s.semantic->max_entries == 200000);
  CHECK(s.skip_temperature_above == Approx(1.0));
}

TEST_CASE("cache: errors name the file, line and key", "[cache]") {
  CHECK_THAT(error_of("cache:\n  scope: planet\n"),
             Catch::Contains("test.yaml:7") && Catch::Contains("cache.scope"));
  CHECK_THAT(error_of("cache:\n  store: redis\n"), Catch::Contains("state.redis"));
  CHECK_THAT(error_of("cache:\n  semantic: {threshold: 2}\n"),
             Catch::Contains("cache.semantic.threshold"));
  CHECK_THAT(error_of("cache:\n  semantic: {embedder: magic}\n"),
             Catch::Contains("cache.semantic.embedder"));
  CHECK_THAT(error_of("cache:\n  exact: {ttl: soon}\n"), Catch::Contains("cache.exact.ttl"));
  CHECK_THAT(error_of("cache:\n  semantic: {index: kdtree}\n"),
             Catch::Contains("cache.semantic.index"));
  CHECK_THAT(error_of("cache:\n  semantic: {embedder: {model: nope}}\n"),
             Catch::Contains("cache.semantic.embedder.model") && Catch::Contains("nope"));
  CHECK_THAT(error_of("cache:\n  semantic: {embedder: {model: m, timeout: 5ms}}\n"),
             Catch::Contains("cache.semantic.embedder.timeout"));
  CHECK_THAT(error_of("cache:\n  semantic: {embedder: {model: m, size: 3}}\n"),
             Catch::Contains("cache.semantic.embedder"));
  CHECK_THAT(error_of("cache:\n  skip: {tool: true}\n"), Catch::Contains("cache.skip"));
  CHECK_THAT(error_of("cache:\n  colour: blue\n"), Catch::Contains("cache"));
}

TEST_CASE("cache: an embeddings model of this config, with its timeout", "[cache]") {
  auto s = read("cache:\n  semantic: {embedder: {model: m}}\n");
  REQUIRE(s.semantic);
  CHECK(s.semantic->embedder_model == "m");
  CHECK(s.semantic->embedder_timeout == std::chrono::seconds(1));
  s = read("cache:\n  semantic: {embedder: {model: m, timeout: 250ms}}\n");
  CHECK(s.semantic->embedder_timeout == std::chrono::milliseconds(250));
  CHECK(read("cache:\n  semantic: {embedder: builtin}\n").semantic->embedder_model.empty());
}
