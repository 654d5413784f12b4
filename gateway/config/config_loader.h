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

namespace tollgate::gateway::config {

class ConfigError : public std::runtime_error {
 public:
  // what() reads "FILE:LINE:COLUMN: KEY: MESSAGE" (line/column omitted when unknown).
  ConfigError(const core::SourceMark& where, std::string key, std::string message);
  const core::SourceMark& where() const { return where_; }
  const std::string& key() const { return key_; }

 private:
  core::SourceMark where_;
  std::string key_;
};

// Returns the value of an environment variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_env(const std::string& name);

struct LoadOptions {
  EnvLookup env = process_env;
  // Provider kinds the build knows ("openai", "demo", ...); empty skips the check.
  std::vector<std::string> provider_kinds;
  // Top-level sections owned by stages or later features; accepted and left in
  // Config::root for their own factories to validate.
  std::vector<std::string> extra_sections;
};

// Expands ${VAR} and ${VAR:-default} in `text`. An unset ${VAR} with no default is an
// error naming the variable (a missing secret must not silently become "").
std::string expand_env(std::string_view text, const EnvLookup& env, const core::SourceMark& where,
                       std::string_view key);

// `source` names the text in messages (a file name, or "<embedded>").
core::ConfigPtr load_config_text(std::string_view yaml, const std::string& source,
                                 const LoadOptions& options = {});
core::ConfigPtr load_config_file(const std::string& path, const LoadOptions& options = {});

// Parsers shared with the command line and tests.
core::Duration parse_duration(std::string_view text);   // "250ms", "10s", "5m", "1h"; throws
core::HostPort parse_host_port(std::string_view text);  // throws std::invalid_argument
core::Url parse_url(std::string_view text);             // http(s)://host[:port][/path]; throws

}  // namespace tollgate::gateway::config
