// The config loader (gateway/config) turns YAML text into a Config, or fails with a
// ConfigError naming the file, line and key. Whatever the text, it must do one of the
// two: no other exception, no crash, no hang (a timeout is a failure too). The
// environment is a fixed fake (the process's is never read); the options are main's.
// An error about a key holding a secret (api_key, admin_key) never shows the value its
// ${VAR} expanded to.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/config/config_loader.h"
#include "gateway/core/provider_registry.h"
#include "routing/providers/builtin.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace config = tollgate::gateway::config;

constexpr std::string_view kSecret = "sk-fuzz-secret-0123456789";

std::optional<std::string> fake_env(const std::string& name) {
  if (name == "SECRET" || name == "OPENAI_API_KEY") return std::string(kSecret);
  if (name == "PORT") return "8080";
  if (name == "EMPTY") return "";
  if (name == "NESTED") return "${SECRET}";  // expanded once: stays literal
  return std::nullopt;
}

config::LoadOptions main_options() {
  config::LoadOptions options;
  options.env = fake_env;
  // As gateway/main.cpp builds them: the registered provider kinds with their typed
  // settings; the stages' and modules' sections come from the registry (every module is
  // linked in).
  static tollgate::core::ProviderRegistry providers = [] {
    tollgate::core::ProviderRegistry registry;
    tollgate::routing::providers::register_builtin_providers(registry);
    return registry;
  }();
  options.providers = &providers;
  return options;
}

bool ends_with(std::string_view text, std::string_view end) {
  return text.size() >= end.size() && text.substr(text.size() - end.size()) == end;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const config::LoadOptions options = main_options();
  std::string_view yaml(reinterpret_cast<const char*>(data), size);
  try {
    tollgate::core::ConfigPtr loaded = config::load_config_text(yaml, "fuzz.yaml", options);
    FUZZ_CHECK(loaded != nullptr);
    FUZZ_CHECK(!loaded->server.listen.empty());
    FUZZ_CHECK(loaded->find_provider("demo") != nullptr);
  } catch (const config::ConfigError& e) {
    FUZZ_CHECK(e.where().file == "fuzz.yaml");
    FUZZ_CHECK(std::string_view(e.what()).starts_with("fuzz.yaml"));
    // The secret comes from the environment; text that spells it out itself is not kept.
    bool secret_in_text = yaml.find(kSecret) != std::string_view::npos;
    if (!secret_in_text && (ends_with(e.key(), "api_key") || ends_with(e.key(), "admin_key"))) {
      FUZZ_CHECK(std::string_view(e.what()).find(kSecret) == std::string_view::npos);
    }
  }
  // Any other exception escapes: libFuzzer reports it as a crash with this input.
  return 0;
}
