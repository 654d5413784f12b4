// Loads and validates tollgate's YAML configuration into core::Config: ${VAR} and
// ${VAR:-default} expansion in every scalar, unknown keys rejected, every error naming
// file, line and key (nginx's "directive" is duplicate in FILE:LINE, in spirit).
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/config.h"
#include "gateway/core/config_reader.h"

namespace tollgate::core {
class ProviderRegistry;  // gateway/core/provider_registry.h
class ModuleRegistry;
ModuleRegistry& module_registry();
}  // namespace tollgate::core

namespace tollgate::gateway::config {

using ConfigError = core::ConfigError;

// Returns the value of an environment variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_env(const std::string& name);

struct LoadOptions {
  EnvLookup env = process_env;
  // Which top-level sections the stages and modules own, with their keys, and which
  // stages `pipeline:` may name; null accepts only the core sections.
  const core::ModuleRegistry* modules = &core::module_registry();
  // The registered provider kinds: which keys each provider section may hold beyond the
  // common ones, and the reader of its typed settings. Null: common keys only.
  const core::ProviderRegistry* providers = nullptr;
};

// Expands ${VAR} and ${VAR:-default} in `text`. An unset ${VAR} with no default is an
// error naming the variable (a missing secret must not silently become "").
std::string expand_env(std::string_view text, const EnvLookup& env, const core::SourceMark& where,
                       std::string_view key);

// `source` names the text in messages (a file name, or "<embedded>").
core::ConfigPtr load_config_text(std::string_view yaml, const std::string& source,
                                 const LoadOptions& options = {});
core::ConfigPtr load_config_file(const std::string& path, const LoadOptions& options = {});

// The stages of a snapshot in order: `pipeline:` read through ConfigReader (an unknown
// or repeated stage, or one a pipeline must keep, fails with file:line and
// `pipeline[i]`), or every registered stage by position when the config has none.
std::vector<std::string> read_pipeline(const core::ConfigReader& r, const YAML::Node& root,
                                       const core::ModuleRegistry& modules);

// Parsers shared with the command line and tests.
using core::parse_duration;
using core::parse_host_port;
using core::parse_url;

}  // namespace tollgate::gateway::config
