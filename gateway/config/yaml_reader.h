// Internal to gateway/config: typed reads of YAML nodes that fail with a ConfigError
// naming file:line:column and the dotted key, shared by every section reader.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/config/config_loader.h"

namespace tollgate::gateway::config {

// "a" + "b" → "a.b"; the root's children have no leading dot.
std::string join_key(std::string_view parent, std::string_view name);

class Reader {
 public:
  Reader(std::string file, const LoadOptions& options)
      : file_(std::move(file)), options_(options) {}

  const std::string& file() const { return file_; }
  const LoadOptions& options() const { return options_; }

  core::SourceMark mark(const YAML::Node& node) const;
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
  core::Duration duration_of(const YAML::Node& node, const std::string& key,
                             bool allow_zero = false) const;
  core::HostPort host_port_of(const YAML::Node& node, const std::string& key) const;
  core::Url url_of(const YAML::Node& node, const std::string& key) const;

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
  const LoadOptions& options_;
};

// Replaces ${VAR} and ${VAR:-default} in every scalar value below `root`, in place, so that
// Config::root holds the expanded document (env_expansion.cpp).
void expand_document(const Reader& r, YAML::Node root);

}  // namespace tollgate::gateway::config
