// Provider kinds and their typed config: each kind's own keys are read by its registered
// reader, with errors naming file:line and the key; keys of another kind are refused.
#include <catch2/catch.hpp>

#include "gateway/config/config_loader.h"
#include "routing/providers/anthropic/anthropic_provider.h"
#include "routing/providers/azure/azure_provider.h"
#include "routing/providers/builtin.h"

using namespace tollgate;
namespace providers = routing::providers;

namespace {

const core::ProviderRegistry& registry() {
  static const core::ProviderRegistry kRegistry = [] {
    core::ProviderRegistry r;
    providers::register_builtin_providers(r);
    return r;
  }();
  return kRegistry;
}

core::ConfigPtr load(const std::string& yaml) {
  gateway::config::LoadOptions options;
  options.env = [](const std::string&) { return std::optional<std::string>(); };
  options.providers = &registry();
  return gateway::config::load_config_text(yaml, "test.yaml", options);
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("every built-in kind is registered once", "[providers]") {
  REQUIRE(registry().names() ==
          std::vector<std::string>{"openai", "demo", "anthropic", "azure", "gemini"});
  REQUIRE(registry().kind("azure")->keys == std::vector<std::string>{"api_version"});
  REQUIRE_FALSE(registry().kind("demo")->needs_base_url);
  REQUIRE(registry().find("openai") != nullptr);
  REQUIRE(registry().find("klingon") == nullptr);
}

TEST_CASE("azure's api_version is typed settings", "[providers][azure]") {
  auto config = load(R"(providers:
  - name: east
    kind: azure
    base_url: https://east.openai.azure.com
    api_version: 2024-10-21
)");
  const core::ProviderConfig* p = config->find_provider("east");
  REQUIRE(p != nullptr);
  const auto* settings = dynamic_cast<const providers::AzureSettings*>(p->settings.get());
  REQUIRE(settings != nullptr);
  REQUIRE(settings->api_version == "2024-10-21");
  REQUIRE((*registry().find("azure"))(*p) != nullptr);
}

TEST_CASE("azure without api_version is refused with file:line", "[providers][azure]") {
  std::string error = error_of(R"(providers:
  - name: east
    kind: azure
    base_url: https://east.openai.azure.com
)");
  REQUIRE_THAT(error, Catch::StartsWith("test.yaml:2:") && Catch::Contains("providers[0]") &&
                          Catch::Contains("provider 'east'") && Catch::Contains("api_version"));
}

TEST_CASE("a bad api_version names file:line and the key", "[providers]") {
  std::string error = error_of(R"(providers:
  - name: claude
    kind: anthropic
    base_url: https://api.anthropic.com
    api_version: [2023, 06]
)");
  REQUIRE_THAT(error,
               Catch::StartsWith("test.yaml:5:") && Catch::Contains("providers[0].api_version"));
  error = error_of(R"(providers:
  - {name: east, kind: azure, base_url: "https://e", api_version: {v: 1}}
)");
  REQUIRE_THAT(error,
               Catch::StartsWith("test.yaml:2:") && Catch::Contains("providers[0].api_version"));
}

TEST_CASE("anthropic's api_version has a default", "[providers][anthropic]") {
  auto config = load(R"(providers:
  - {name: claude, kind: anthropic, base_url: "https://api.anthropic.com"}
)");
  const auto* settings = dynamic_cast<const providers::AnthropicSettings*>(
      config->find_provider("claude")->settings.get());
  REQUIRE(settings != nullptr);
  REQUIRE(settings->api_version == providers::anthropic::kDefaultApiVersion);
}

TEST_CASE("a kind's own keys are refused on another kind", "[providers]") {
  REQUIRE_THAT(error_of(R"(providers:
  - {name: p, kind: openai, base_url: "http://a", api_version: "1"}
)"),
               Catch::Contains("test.yaml:2:") && Catch::Contains("api_version"));
  REQUIRE_THAT(error_of("providers: [{name: p, kind: klingon, base_url: http://a}]"),
               Catch::Contains("known: openai, demo, anthropic, azure, gemini"));
  // demo needs no base_url; the others do.
  REQUIRE(error_of("providers: [{name: d2, kind: demo}]").empty());
  REQUIRE_THAT(error_of("providers: [{name: g, kind: gemini}]"), Catch::Contains("base_url"));
}
