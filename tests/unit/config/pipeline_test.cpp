// `pipeline:` read through ConfigReader: stages by name with file:line and `pipeline[i]`
// in errors, a pipeline that leaves out `observe` refused, and the default order.
#include <catch2/catch.hpp>

#include <algorithm>

#include "gateway/config/config_loader.h"
#include "gateway/core/module_registry.h"

using namespace tollgate;

namespace {

std::string error_of(const std::string& yaml) {
  gateway::config::LoadOptions options;
  options.env = [](const std::string&) { return std::nullopt; };
  try {
    gateway::config::load_config_text(yaml, "test.yaml", options);
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> order_of(const std::string& yaml) {
  core::ConfigPtr config = gateway::config::load_config_text(yaml, "test.yaml");
  return gateway::config::read_pipeline(core::ConfigReader(config->source), config->root,
                                        core::module_registry());
}

}  // namespace

TEST_CASE("an unknown stage in pipeline: names its line and index") {
  std::string e = error_of("models: []\npipeline:\n  - observe\n  - auth\n  - geoip\n");
  CHECK(e.find("test.yaml:5:") == 0);
  CHECK(e.find("pipeline[2]: unknown stage 'geoip' (known: observe, auth, ") != std::string::npos);
}

TEST_CASE("a pipeline: without observe is refused, saying what it would turn off") {
  std::string e = error_of("pipeline: [auth, limits]\n");
  CHECK(e.find("test.yaml:1:") == 0);
  CHECK(e.find("pipeline: leaves out 'observe'") != std::string::npos);
  CHECK(e.find("no metrics, audit log, access log or trace context") != std::string::npos);
}

TEST_CASE("a stage listed twice, or a pipeline that is not a list, is refused") {
  CHECK(error_of("pipeline: [observe, auth, auth]\n")
            .find("pipeline[2]: stage 'auth' is listed twice") != std::string::npos);
  CHECK(error_of("pipeline: observe\n").find("pipeline: must be a list of stage names") !=
        std::string::npos);
}

TEST_CASE("the pipeline runs in the order written, or every stage by position") {
  CHECK(order_of("pipeline: [observe, limits, auth]\n") ==
        std::vector<std::string>{"observe", "limits", "auth"});
  std::vector<std::string> all = order_of("{}\n");
  REQUIRE(all.size() >= 4);
  // By position, whatever other stages a build registers between them.
  auto at = [&](std::string_view name) { return std::find(all.begin(), all.end(), name); };
  CHECK(all.front() == "observe");
  CHECK(at("auth") < at("sanitize"));
  CHECK(at("sanitize") < at("limits"));
  CHECK(at("limits") != all.end());
}
