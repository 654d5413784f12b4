// Typed reads of YAML config sections that fail with a ConfigError naming
// file:line:column and the dotted key. Shared by gateway/config (the core sections) and
// every stage or store factory that reads a section of its own.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/core/config.h"

namespace tollgate::core {

class ConfigError : public std::runtime_error {
 public:
  // what() reads "FILE:LINE:COLUMN: KEY: MESSAGE" (line/column omitted when unknown).
  ConfigError(const SourceMark& where, std::string key, std::string message);
  const SourceMark& where() const { return where_; }
  const std::string& key() const { return key_; }

 private:
  SourceMark where_;
  std::string key_;
};

// "a" + "b" → "a.b"; the root's children have no leading dot.
std::string join_key(std::string_view parent, std::string_view name);

// Parsers for the scalar forms configs use (value_parsers.cpp).
Duration parse_duration(std::string_view text);   // "250ms", "10s", "5m", "1h"; throws
HostPort parse_host_port(std::string_view text);  // throws std::invalid_argument
Url parse_url(std::string_view text);             // http(s)://host[:port][/path]; throws

class ConfigReader {
 public:
  explicit ConfigReader(std::string file) : file_(std::move(file)) {}
  // Names the included file a node came from, when the config has includes.
  explicit ConfigReader(const Config& config) : file_(config.source), origins_(config.origins) {}
  virtual ~ConfigReader() = default;

  const std::string& file() const { return file_; }
  void set_origins(std::shared_ptr<const NodeOrigins> origins) { origins_ = std::move(origins); }
  SourceMark mark(const YAML::Node& node) const;
  [[noreturn]] void fail(const YAML::Node& node, const std::string& key,
                         const std::string& message) const;

  // A mapping whose keys are all in `allowed` (or `extra`), each at most once.
  void check_keys(const YAML::Node& node, const std::string& key,
                  std::initializer_list<std::string_view> allowed,
                  const std::vector<std::string>& extra = {}) const;
  void require_map(const YAML::Node& node, const std::string& key) const;

  // Present and not null: absent keys and `key: ~` both mean "use the default".
  static bool has(const YAML::Node& node) { return node && !node.IsNull(); }

  std::string string_of(const YAML::Node& node, const std::string& key) const;
  // parent[name] must be present, a string and not empty.
  std::string required_string(const YAML::Node& parent, const char* name,
                              const std::string& key) const;
  std::uint64_t unsigned_of(const YAML::Node& node, const std::string& key, std::uint64_t min,
                            std::uint64_t max) const;
  bool bool_of(const YAML::Node& node, const std::string& key) const;
  // A duration above zero unless `allow_zero`: a zero timeout would fail every request.
  Duration duration_of(const YAML::Node& node, const std::string& key,
                       bool allow_zero = false) const;
  HostPort host_port_of(const YAML::Node& node, const std::string& key) const;
  Url url_of(const YAML::Node& node, const std::string& key) const;

  // Calls fn(item, "key[i]") for each item of a list; absent or null is an empty list.
  template <typename Fn>
  void each(const YAML::Node& list, const std::string& key, Fn fn) const {
    if (!has(list)) return;
    if (!list.IsSequence()) fail(list, key, "must be a list");
    std::size_t i = 0;
    for (auto it = list.begin(); it != list.end(); ++it, ++i) {
      fn(YAML::Node(*it), key + "[" + std::to_string(i) + "]");
    }
  }

 private:
  std::string file_;
  std::shared_ptr<const NodeOrigins> origins_;
};

}  // namespace tollgate::core
