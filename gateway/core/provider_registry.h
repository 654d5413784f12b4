// Provider kinds, each registered once (one line in routing/providers/builtin.cpp): its
// name, the config keys it reads beyond the common provider keys, whether it needs a
// base_url, a reader that turns those keys into typed settings (errors name file:line and
// the key, through ConfigReader) and a factory. The loader asks this registry which keys
// a provider section may hold; the runtime builds each configured provider through it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/config.h"
#include "gateway/core/config_reader.h"
#include "gateway/core/provider.h"

namespace tollgate::core {

using ProviderFactory = std::function<std::unique_ptr<Provider>(const ProviderConfig&)>;

// Reads a kind's own keys from its provider section; `key` names the section
// ("providers[2]"). Fails through reader.fail, so errors say file:line and key.
using ProviderSettingsReader = std::function<std::shared_ptr<const ProviderSettings>(
    const ConfigReader& reader, const YAML::Node& section, const std::string& key)>;

struct ProviderKind {
  std::string name;               // the `kind:` that selects it
  std::vector<std::string> keys;  // accepted beyond the common provider keys
  bool needs_base_url = true;
  ProviderSettingsReader read;  // null: the kind has no keys of its own
  ProviderFactory make;         // the settings are in ProviderConfig::settings
};

// A kind whose settings are `Settings` (a ProviderSettings; default-constructed for a
// provider that was not read from a file, such as the implicit demo provider or a test's).
// `read` may be null when `keys` is empty.
template <typename Settings>
ProviderKind provider_kind(std::string name, std::vector<std::string> keys, bool needs_base_url,
                           Settings (*read)(const ConfigReader&, const YAML::Node&,
                                            const std::string&),
                           std::unique_ptr<Provider> (*make)(const ProviderConfig&,
                                                             const Settings&)) {
  static_assert(std::is_base_of_v<ProviderSettings, Settings>);
  ProviderKind kind{std::move(name), std::move(keys), needs_base_url, {}, {}};
  if (read != nullptr) {
    kind.read = [read](const ConfigReader& reader, const YAML::Node& section,
                       const std::string& key) -> std::shared_ptr<const ProviderSettings> {
      return std::make_shared<const Settings>(read(reader, section, key));
    };
  }
  kind.make = [make](const ProviderConfig& config) {
    const auto* typed = dynamic_cast<const Settings*>(config.settings.get());
    return typed != nullptr ? make(config, *typed) : make(config, Settings{});
  };
  return kind;
}

// For kinds with no keys of their own.
struct NoProviderSettings : ProviderSettings {};

// Keeps registration order; a second registration of a name replaces the first.
class ProviderRegistry {
 public:
  void add(ProviderKind kind) {
    for (auto& entry : kinds_) {
      if (entry.name == kind.name) {
        entry = std::move(kind);
        return;
      }
    }
    kinds_.push_back(std::move(kind));
  }
  const ProviderKind* kind(std::string_view name) const {
    for (const auto& entry : kinds_) {
      if (entry.name == name) return &entry;
    }
    return nullptr;
  }
  const ProviderFactory* find(std::string_view name) const {
    const ProviderKind* entry = kind(name);
    return entry != nullptr ? &entry->make : nullptr;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : kinds_) out.push_back(entry.name);
    return out;
  }

 private:
  std::vector<ProviderKind> kinds_;
};

}  // namespace tollgate::core
