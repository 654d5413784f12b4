#include "gateway/config/config_includes.h"

#include <glob.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "gateway/core/sha256.h"

namespace tollgate::gateway::config {

namespace {

using core::ConfigError;

// What an included file may hold.
constexpr std::array<std::string_view, 5> kListSections = {"routes", "models", "keys", "users",
                                                           "teams"};

std::vector<std::string> patterns_of(const Reader& r, const YAML::Node& node) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(r.string_of(node, "include"));
    return out;
  }
  r.each(node, "include", [&](const YAML::Node& item, const std::string& key) {
    out.push_back(r.string_of(item, key));
  });
  return out;
}

// The files a pattern matches, sorted; none is fine.
std::vector<std::string> matches(const Reader& r, const YAML::Node& where, const std::string& key,
                                 const std::string& pattern) {
  glob_t found{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &found);
  std::vector<std::string> out;
  if (rc == 0) {
    for (std::size_t i = 0; i < found.gl_pathc; ++i) out.emplace_back(found.gl_pathv[i]);
  }
  globfree(&found);
  if (rc != 0 && rc != GLOB_NOMATCH)
    r.fail(where, key, "cannot read the files of '" + pattern + "'");
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_text(const Reader& r, const YAML::Node& where, const std::string& key,
                      const std::string& path) {
  std::ifstream in(path);
  if (!in) r.fail(where, key, "cannot read '" + path + "': " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

YAML::Node parse(const std::string& path, const std::string& text) {
  try {
    YAML::Node doc = YAML::Load(text);
    return doc.IsNull() ? YAML::Node(YAML::NodeType::Map) : doc;
  } catch (const YAML::Exception& e) {
    core::SourceMark where{path, e.mark.is_null() ? 0 : e.mark.line + 1,
                           e.mark.is_null() ? 0 : e.mark.column + 1};
    throw ConfigError(where, "", "YAML syntax error: " + e.msg);
  }
}

// Appends the file's lists and pricing to the document's.
void merge_file(const Reader& r, const Reader& file, YAML::Node root, const YAML::Node& doc,
                core::NodeOrigins& origins) {
  for (std::string_view name : kListSections) {
    std::string section(name);
    YAML::Node items = doc[section];
    if (!Reader::has(items)) continue;
    if (!items.IsSequence()) file.fail(items, section, "must be a list");
    YAML::Node into = root[section];
    if (!Reader::has(into)) {
      root[section] = YAML::Node(YAML::NodeType::Sequence);
      into = root[section];
    } else if (!into.IsSequence()) {
      r.fail(into, section, "must be a list");
    }
    for (const auto& item : items) {
      into.push_back(item);
      origins.items.emplace_back(item, file.file());
    }
  }
  YAML::Node prices = doc["pricing"];
  if (!Reader::has(prices)) return;
  file.require_map(prices, "pricing");
  YAML::Node into = root["pricing"];
  if (!Reader::has(into)) {
    root["pricing"] = YAML::Node(YAML::NodeType::Map);
    into = root["pricing"];
  } else if (!into.IsMap()) {
    r.fail(into, "pricing", "must be a map of model names");
  }
  for (const auto& entry : prices) {
    std::string model = entry.first.Scalar();
    if (YAML::Node earlier = into[model]; Reader::has(earlier)) {
      core::SourceMark first = r.mark(earlier);
      file.fail(
          entry.first, "pricing." + model,
          "is duplicate (first defined at " + first.file + ":" + std::to_string(first.line) + ")");
    }
    into[model] = entry.second;
    origins.items.emplace_back(entry.second, file.file());
  }
}

}  // namespace

Included merge_includes(Reader& r, YAML::Node root) {
  Included out;
  if (!root.IsMap()) return out;  // not a config at all: the loader's key check says so
  const YAML::Node node = root["include"];
  if (!Reader::has(node)) return out;
  out.origins = std::make_shared<core::NodeOrigins>();
  r.set_origins(out.origins);
  std::vector<std::string> seen;
  for (const std::string& pattern : patterns_of(r, node)) {
    for (const std::string& path : matches(r, node, "include", pattern)) {
      if (std::find(seen.begin(), seen.end(), path) != seen.end()) continue;  // two globs
      seen.push_back(path);
      std::string text = read_text(r, node, "include", path);
      YAML::Node doc = parse(path, text);
      Reader file(path, r.options());
      file.set_origins(out.origins);
      if (!doc.IsMap()) file.fail(doc, "", "an included file must be a map of sections");
      expand_document(file, doc);
      file.check_keys(doc, "", {"routes", "models", "keys", "users", "teams", "pricing"});
      merge_file(r, file, root, doc, *out.origins);
      out.files.push_back({path, core::sha256_hex(text)});
    }
  }
  return out;
}

}  // namespace tollgate::gateway::config
