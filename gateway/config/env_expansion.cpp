// ${VAR} and ${VAR:-default} in config values. A set-but-empty VAR with a default takes
// the default, as in the shell.
#include <cstdlib>

#include "gateway/config/config_loader.h"
#include "gateway/config/yaml_reader.h"

namespace tollgate::gateway::config {

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string expand_env(std::string_view text, const EnvLookup& env, const core::SourceMark& where,
                       std::string_view key) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      throw ConfigError(where, std::string(key), "unterminated ${ in value");
    }
    std::string_view inside = text.substr(i + 2, close - i - 2);
    std::size_t dash = inside.find(":-");
    std::string name(inside.substr(0, dash));
    if (name.empty()) throw ConfigError(where, std::string(key), "empty variable name in ${}");
    for (char c : name) {
      bool ok =
          (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      if (!ok) {
        throw ConfigError(where, std::string(key), "bad variable name '" + name + "' in ${}");
      }
    }
    std::optional<std::string> value = env(name);
    if (dash != std::string_view::npos) {
      if (!value || value->empty()) value = std::string(inside.substr(dash + 2));
    } else if (!value) {
      throw ConfigError(where, std::string(key),
                        "environment variable " + name + " is not set (write ${" + name +
                            ":-default} to give a default)");
    }
    out += *value;
    i = close + 1;
  }
  return out;
}

namespace {

// A YAML alias names a node, even one that contains it (`x: &a {y: *a}`: endless), and
// aliases of aliases multiply (ten lines of ten aliases each stand for 10^10 values).
// Configs nest a few levels and hold thousands of values, so both are refused; this is
// the first walk over a loaded document, and the only one that visits every node.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxValues = 1'000'000;

struct Walk {
  const Reader& r;
  std::size_t values = 0;
};

void expand_node(Walk& walk, YAML::Node node, const std::string& key, int depth) {
  const Reader& r = walk.r;
  if (depth > kMaxDepth) {
    throw ConfigError(r.mark(node), key,
                      "nested more than " + std::to_string(kMaxDepth) +
                          " levels deep (an alias inside the node it names?)");
  }
  if (++walk.values > kMaxValues) {
    throw ConfigError(r.mark(node), key,
                      "the document holds more than " + std::to_string(kMaxValues) +
                          " values once its aliases are expanded");
  }
  if (node.IsScalar()) {
    const std::string& value = node.Scalar();
    if (value.find("${") != std::string::npos) {
      node = expand_env(value, r.options().env, r.mark(node), key);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      expand_node(walk, node[i], key + "[" + std::to_string(i) + "]", depth + 1);
    }
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      expand_node(walk, it->second, join_key(key, it->first.Scalar()), depth + 1);
    }
  }
}

}  // namespace

void expand_document(const Reader& r, YAML::Node root) {
  Walk walk{r};
  expand_node(walk, root, "", 0);
}

}  // namespace tollgate::gateway::config
