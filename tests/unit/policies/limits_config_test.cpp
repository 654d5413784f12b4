// The limits stage's config: the default answer a request without max_tokens reserves,
// and the price a request is reserved at, the most expensive model that may serve it.
#include <catch2/catch.hpp>

#include "gateway/config/config_loader.h"
#include "policies/limits/limits_config.h"

using namespace tollgate;
using namespace tollgate::policies::limits;

namespace {

LimitsConfig limits_config(const std::string& yaml) {
  gateway::config::LoadOptions options;
  options.env = [](const std::string&) { return std::nullopt; };
  return read_limits_config(*gateway::config::load_config_text(yaml, "test.yaml", options));
}

}  // namespace

TEST_CASE("a request is priced as the most expensive model that may serve it") {
  LimitsConfig config = limits_config(R"(
providers:
  - {name: p, kind: openai, base_url: "http://127.0.0.1:1/v1"}
models:
  - name: mixed
    targets: [{provider: p, model: cheap}, {provider: p, model: dear}]
  - name: chained
    targets: [{provider: p, model: cheap}]
    fallbacks: [mixed]
  - name: small
    targets: [{provider: p, model: cheap}]
  - name: free
    targets: [{provider: p, model: unpriced}]
  - name: premium
    targets: [{provider: p, model: dear}]
routes:
  - {match: {model: "small*", team: research}, to: premium}
pricing:
  cheap: {input: 1, output: 2}
  dear: {input: 10, output: 30}
  priced-by-name: {input: 5, output: 5}
limits:
  default_completion_tokens: 256
)");
  REQUIRE(config.default_completion_tokens == 256);
  // 1000 prompt and 100 completion tokens: cheap 1,200,000 nano-USD, dear 13,000,000.
  REQUIRE(config.max_cost_nusd("mixed", 1000, 100) == 13'000'000);
  REQUIRE(config.max_cost_nusd("chained", 1000, 100) == 13'000'000);  // through its fallback
  REQUIRE(config.max_cost_nusd("free", 1000, 100) == 0);
  // A routing rule may send "small" to premium (for team research; the team is not known
  // to matter here): reserved as premium.
  REQUIRE(config.max_cost_nusd("small", 1000, 100) == 13'000'000);
  REQUIRE(config.max_cost_nusd("priced-by-name", 1000, 100) == 5'500'000);
  // What is served is priced as before.
  REQUIRE(config.cost_nusd("cheap", 1000, 100) == 1'200'000);
  // No price reaches past a billion USD, whatever a client asks for.
  REQUIRE(config.max_cost_nusd("mixed", 0, std::int64_t{1} << 60) == 1'000'000'000'000'000'000);
}
