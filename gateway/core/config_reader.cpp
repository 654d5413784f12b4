// Typed reads of YAML nodes for the section readers: every failure becomes a ConfigError
// at the node's file:line:column with its dotted key, and never echoes a secret.
#include "gateway/core/config_reader.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace tollgate::core {

namespace {

constexpr std::string_view kSecretKeys[] = {"api_key", "admin_key", "key:", "hash:"};

// How a key is shown in a message. A mistyped secret key may carry the secret itself:
// `{api_key:sk-...}` in a flow map parses as one key named "api_key:sk-...".
std::string shown_key(const std::string& name) {
  for (std::string_view secret : kSecretKeys) {
    if (name.size() > secret.size() && name.starts_with(secret)) {
      return std::string(secret) + "...";
    }
  }
  return name;
}

}  // namespace

ConfigError::ConfigError(const SourceMark& where, std::string key, std::string message)
    : std::runtime_error([&] {
        std::string text = where.file;
        if (where.line > 0) {
          text += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
        }
        text += ": ";
        if (!key.empty()) text += key + ": ";
        return text + message;
      }()),
      where_(where),
      key_(std::move(key)) {}

std::string join_key(std::string_view parent, std::string_view name) {
  if (parent.empty()) return std::string(name);
  std::string out(parent);
  out += '.';
  out += name;
  return out;
}

namespace {

// Whether `node` is `within` or below it. Errors only: a walk of one merged item.
bool holds(const YAML::Node& within, const YAML::Node& node, int depth) {
  if (within.is(node)) return true;
  if (depth > 64) return false;  // configs nest a few levels; aliases could loop
  if (within.IsSequence()) {
    for (const auto& child : within)
      if (holds(child, node, depth + 1)) return true;
  } else if (within.IsMap()) {
    for (const auto& pair : within) {
      if (holds(pair.first, node, depth + 1) || holds(pair.second, node, depth + 1)) return true;
    }
  }
  return false;
}

}  // namespace

SourceMark ConfigReader::mark(const YAML::Node& node) const {
  if (!node.IsDefined()) return {file_, 0, 0};
  YAML::Mark m = node.Mark();
  if (m.is_null()) return {file_, 0, 0};
  std::string file = file_;
  if (origins_) {
    for (const auto& [item, origin] : origins_->items) {
      if (holds(item, node, 0)) {
        file = origin;
        break;
      }
    }
  }
  return {file, m.line + 1, m.column + 1};
}

void ConfigReader::fail(const YAML::Node& node, const std::string& key,
                        const std::string& message) const {
  throw ConfigError(mark(node), key, message);
}

void ConfigReader::require_map(const YAML::Node& node, const std::string& key) const {
  if (!node.IsMap()) fail(node, key, "must be a mapping (key: value)");
}

void ConfigReader::check_keys(const YAML::Node& node, const std::string& key,
                              std::initializer_list<std::string_view> allowed,
                              const std::vector<std::string>& extra) const {
  require_map(node, key);
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) fail(it->first, key, "keys must be plain names");
    const std::string& name = it->first.Scalar();
    std::string path = join_key(key, shown_key(name));
    // yaml-cpp keeps both copies of a repeated key; the first would win silently.
    if (!seen.insert(name).second) fail(it->first, path, "is duplicate");
    bool known = std::find(allowed.begin(), allowed.end(), name) != allowed.end() ||
                 std::find(extra.begin(), extra.end(), name) != extra.end();
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      for (const auto& a : extra) list += (list.empty() ? "" : ", ") + a;
      fail(it->first, path, "unknown key (expected one of: " + list + ")");
    }
  }
}

std::string ConfigReader::string_of(const YAML::Node& node, const std::string& key) const {
  if (!node.IsScalar()) fail(node, key, "must be a string");
  return node.Scalar();
}

std::string ConfigReader::required_string(const YAML::Node& parent, const char* name,
                                          const std::string& key) const {
  std::string path = join_key(key, name);
  YAML::Node node = parent[name];
  if (!has(node)) fail(parent, path, "is required");
  std::string value = string_of(node, path);
  if (value.empty()) fail(node, path, "must not be empty");
  return value;
}

std::uint64_t ConfigReader::unsigned_of(const YAML::Node& node, const std::string& key,
                                        std::uint64_t min, std::uint64_t max) const {
  std::string text = node.IsScalar() ? node.Scalar() : std::string();
  std::uint64_t value = 0;
  bool ok = !text.empty() && text.size() <= 19 &&
            text.find_first_not_of("0123456789") == std::string::npos;
  if (ok) {
    value = std::stoull(text);  // 19 digits always fit in 64 bits
    ok = value >= min && value <= max;
  }
  if (!ok) {
    fail(node, key,
         "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

bool ConfigReader::bool_of(const YAML::Node& node, const std::string& key) const {
  std::string text = node.IsScalar() ? node.Scalar() : std::string();
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  fail(node, key, "must be true or false");
}

Duration ConfigReader::duration_of(const YAML::Node& node, const std::string& key,
                                   bool allow_zero) const {
  Duration value;
  try {
    value = parse_duration(string_of(node, key));
  } catch (const std::invalid_argument& e) {
    fail(node, key, e.what());
  }
  if (!allow_zero && value.count() == 0) fail(node, key, "must be above zero");
  return value;
}

HostPort ConfigReader::host_port_of(const YAML::Node& node, const std::string& key) const {
  try {
    return parse_host_port(string_of(node, key));
  } catch (const std::invalid_argument& e) {
    fail(node, key, e.what());
  }
}

Url ConfigReader::url_of(const YAML::Node& node, const std::string& key) const {
  try {
    return parse_url(string_of(node, key));
  } catch (const std::invalid_argument& e) {
    fail(node, key, e.what());
  }
}

}  // namespace tollgate::core
