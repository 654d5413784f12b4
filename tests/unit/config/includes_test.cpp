// `include:`: routes, models, keys and prices in files of their own merge into the main
// document; errors point at the included file's own lines; duplicates name both places.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "gateway/config/config_loader.h"
#include "gateway/core/config_reader.h"
#include "gateway/core/provider_registry.h"
#include "routing/providers/builtin.h"

using namespace tollgate;
using namespace tollgate::gateway::config;
namespace fs = std::filesystem;

namespace {

LoadOptions options() {
  static const core::ProviderRegistry providers = [] {
    core::ProviderRegistry registry;
    tollgate::routing::providers::register_builtin_providers(registry);
    return registry;
  }();
  LoadOptions out;
  out.providers = &providers;
  out.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "PRICE") return "0.5";
    return std::nullopt;
  };
  return out;
}

struct Dir {
  fs::path path = fs::temp_directory_path() /
                  ("tollgate-includes-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  Dir() { fs::create_directories(path / "routes.d"); }
  ~Dir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
  std::string main(const std::string& extra = "") const {
    return "include:\n  - " + (path / "routes.d" / "*.yaml").string() + "\n  - " +
           (path / "none.d" / "*.yaml").string() +
           "\nmodels:\n  - {name: main-model, targets: [{provider: demo, model: demo}]}\n" + extra;
  }
};

std::string error_of(const std::string& yaml) {
  try {
    load_config_text(yaml, "main.yaml", options());
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("included files append models and routes and add prices", "[config]") {
  Dir dir;
  dir.write("routes.d/a.yaml",
            "models:\n  - {name: a-model, targets: [{provider: demo, model: demo}]}\n"
            "pricing:\n  demo:\n    input: ${PRICE}\n    output: 1\n");
  dir.write("routes.d/b.yaml",
            "routes:\n  - {match: {model: \"b-*\"}, to: a-model}\n"
            "models:\n  - {name: b-model, targets: [{provider: demo, model: demo}]}\n");
  core::ConfigPtr config = load_config_text(dir.main(), "main.yaml", options());
  REQUIRE(config->models.size() == 3);
  CHECK(config->models[0].name == "main-model");
  CHECK(config->models[1].name == "a-model");
  CHECK(config->models[2].name == "b-model");
  CHECK(config->routes.size() == 1);
  CHECK(config->pricing.at("demo").input_per_million == 0.5);
  REQUIRE(config->files.size() == 3);
  CHECK(config->files[0].path == "main.yaml");
  CHECK(config->files[1].path.ends_with("routes.d/a.yaml"));
  CHECK(config->files[2].sha256.size() == 64);
}

TEST_CASE("an error in an included file names that file and its line", "[config]") {
  Dir dir;
  dir.write("routes.d/a.yaml",
            "models:\n  - {name: ok, targets: [{provider: demo, model: demo}]}\n"
            "  - {name: bad, targets: [{provider: nowhere, model: x}]}\n");
  std::string error = error_of(dir.main());
  CHECK_THAT(error, Catch::Contains("routes.d/a.yaml:3:"));
  CHECK_THAT(error, Catch::Contains("nowhere"));

  dir.write("routes.d/a.yaml", "server: {threads: 2}\n");
  CHECK_THAT(error_of(dir.main()), Catch::Contains("routes.d/a.yaml:1:1"));

  dir.write("routes.d/a.yaml", "models: [\n");
  CHECK_THAT(error_of(dir.main()), Catch::Contains("routes.d/a.yaml:"));
}

TEST_CASE("a name defined twice across files names both files and lines", "[config]") {
  Dir dir;
  dir.write("routes.d/a.yaml",
            "\nmodels:\n  - {name: main-model, targets: [{provider: demo, model: demo}]}\n");
  std::string error = error_of(dir.main());
  CHECK_THAT(error, Catch::Contains("routes.d/a.yaml:3:"));
  CHECK_THAT(error, Catch::Contains("main.yaml:"));
  CHECK_THAT(error, Catch::Contains("duplicate"));

  dir.write("routes.d/a.yaml", "pricing:\n  demo: {input: 1, output: 1}\n");
  dir.write("routes.d/b.yaml", "pricing:\n\n  demo: {input: 2, output: 2}\n");
  error = error_of(dir.main());
  CHECK_THAT(error, Catch::Contains("routes.d/b.yaml:3:"));
  CHECK_THAT(error, Catch::Contains("routes.d/a.yaml:2"));
}

TEST_CASE("a glob that matches nothing is fine", "[config]") {
  core::ConfigPtr config = load_config_text(
      "include: [/nonexistent-dir-for-tollgate/*.yaml]\nmodels:\n"
      "  - {name: m, targets: [{provider: demo, model: demo}]}\n",
      "main.yaml", options());
  CHECK(config->models.size() == 1);
  CHECK(config->files.size() == 1);
}
