// A stage defined only in this file, with one registration line and no edit anywhere else:
// the real loader accepts its section (and still refuses an unknown one), the real modules
// are made as main makes them, and its on_request runs for a request driven through
// ProxyHandler.
#include <catch2/catch.hpp>

#include <filesystem>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "gateway/config/config_loader.h"
#include "gateway/core/module_registry.h"
#include "gateway/pipeline/proxy_handler.h"
#include "routing/providers/builtin.h"
#include "tests/unit/gateway/pipeline_test_support.h"

using namespace tollgate;
namespace asio = boost::asio;

namespace {

struct ThrowawaySettings {
  std::string greeting = "hello";
};

ThrowawaySettings read_throwaway(const core::ConfigReader& r, const core::Config& config) {
  ThrowawaySettings out;
  const YAML::Node section = config.root["throwaway"];
  if (r.has(section) && r.has(section["greeting"])) {
    out.greeting = r.string_of(section["greeting"], "throwaway.greeting");
    if (out.greeting.empty()) r.fail(section["greeting"], "throwaway.greeting", "is empty");
  }
  return out;
}

class ThrowawayStage final : public core::Stage {
 public:
  explicit ThrowawayStage(std::string greeting) : greeting_(std::move(greeting)) {}
  std::string_view name() const override { return "throwaway"; }
  asio::awaitable<core::Decision> on_request(core::Exchange& exchange) override {
    exchange.decisions.emplace_back("throwaway", greeting_);
    co_return core::Decision::proceed();
  }

 private:
  std::string greeting_;
};

// The one registration line.
const core::Registration kRegistration{core::StageSpec<ThrowawaySettings>{
    .name = "throwaway",
    .position = 900,
    .sections = {{.name = "throwaway", .keys = {"greeting"}}},
    .read = read_throwaway,
    .make = [](const ThrowawaySettings& settings,
               const core::Services&) -> std::unique_ptr<core::Stage> {
      return std::make_unique<ThrowawayStage>(settings.greeting);
    }}};

core::ConfigPtr load(const std::string& yaml) {
  gateway::config::LoadOptions options;
  options.env = [](const std::string&) { return std::nullopt; };
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

TEST_CASE("a stage registered in one line gets its section read and runs on a request") {
  auto dir = std::filesystem::temp_directory_path() / "tollgate_throwaway_stage_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  core::ConfigPtr config = load(R"(
state: {sqlite: ")" + (dir / "state.db").string() +
                                R"("}
logging: {access_log: false}
throwaway: {greeting: "hi from a test"}
models:
  - {name: demo, targets: [{provider: demo, model: demo-1}]}
)");
  // The default pipeline: every registered stage by position, the throwaway last.
  REQUIRE(core::module_registry().default_pipeline().back() == "throwaway");

  // As main does it: every module, then the snapshot's stages.
  core::Services services;
  std::vector<std::unique_ptr<core::Module>> modules;
  {
    core::ConfigReader reader(config->source);
    for (const auto& module : core::module_registry().modules()) {
      modules.push_back(module.read(reader, *config)(services));
    }
  }
  core::ProviderRegistry providers;
  routing::providers::register_builtin_providers(providers);
  auto runtime =
      gateway::pipeline::build_runtime(config, providers, core::module_registry(), services);
  REQUIRE(runtime->stages.back()->name() == "throwaway");

  gateway::pipeline::ProxyHandler handler(runtime, std::make_unique<testing::NoUpstream>());
  core::Exchange ex;
  ex.method = "POST";
  ex.target = ex.path = "/v1/chat/completions";
  ex.request_id = "req_throwaway";
  testing::GivenBody body(R"({"model":"demo","messages":[{"role":"user","content":"hello"}]})");
  testing::RecordingSink sink;
  asio::io_context io;
  auto done = asio::co_spawn(io, handler.handle(ex, body, sink), asio::use_future);
  io.run();
  done.get();
  CHECK(sink.status() == 200);
  bool seen = false;
  for (const auto& [stage, decision] : ex.decisions) {
    seen = seen || (stage == "throwaway" && decision == "hi from a test");
  }
  CHECK(seen);

  runtime.reset();
  for (auto it = modules.rbegin(); it != modules.rend(); ++it) (*it)->flush();
  modules.clear();
  std::filesystem::remove_all(dir);
}

TEST_CASE("the throwaway stage's section is checked like any other") {
  std::string typo = error_of("throwaway: {greetin: hi}\n");
  CHECK(typo.find("test.yaml:1:") == 0);
  CHECK(typo.find("throwaway.greetin: unknown key") != std::string::npos);

  std::string empty = error_of("throwaway: {greeting: \"\"}\npipeline: [observe, throwaway]\n");
  // Read when the snapshot's stages are built, not by the loader: load succeeds.
  CHECK(empty.empty());

  std::string unknown = error_of("throwaway: {}\nthrowaways: {}\n");
  CHECK(unknown.find("test.yaml:2:") == 0);
  CHECK(unknown.find("throwaways: unknown key") != std::string::npos);
}
