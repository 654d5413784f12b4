#include "cache/cache_config.h"

namespace tollgate::cache {

namespace {

std::chrono::seconds seconds_of(const core::ConfigReader& r, const YAML::Node& node,
                                const std::string& key) {
  auto d = r.duration_of(node, key);
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d);
  if (s.count() < 1) r.fail(node, key, "must be at least 1s");
  return s;
}

double number_of(const core::ConfigReader& r, const YAML::Node& node, const std::string& key,
                 double min, double max) {
  double value = 0;
  try {
    value = node.as<double>();
  } catch (const YAML::Exception&) {
    r.fail(node, key, "must be a number");
  }
  if (!(value >= min && value <= max)) {
    r.fail(node, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

std::chrono::seconds read_ttl_map(const core::ConfigReader& r, const YAML::Node& node,
                                  const std::string& key, std::chrono::seconds fallback) {
  if (!r.has(node)) return fallback;
  r.require_map(node, key);
  r.check_keys(node, key, {"ttl"});
  if (!r.has(node["ttl"])) return fallback;
  return seconds_of(r, node["ttl"], key + ".ttl");
}

SemanticSettings read_semantic(const core::ConfigReader& r, const YAML::Node& node,
                               const core::Config& config) {
  const std::string key = "cache.semantic";
  r.require_map(node, key);
  r.check_keys(node, key, {"ttl", "threshold", "embedder", "max_entries", "index_above", "index"});
  SemanticSettings out;
  if (r.has(node["ttl"])) out.ttl = seconds_of(r, node["ttl"], key + ".ttl");
  if (r.has(node["threshold"])) {
    out.threshold = number_of(r, node["threshold"], key + ".threshold", 0.5, 1.0);
  }
  if (r.has(node["max_entries"])) {
    out.max_entries = r.unsigned_of(node["max_entries"], key + ".max_entries", 1, 100000000);
  }
  if (r.has(node["index_above"])) {
    out.index_above = r.unsigned_of(node["index_above"], key + ".index_above", 16, 100000000);
  }
  if (r.has(node["index"])) {
    std::string index = r.string_of(node["index"], key + ".index");
    if (index != "lsh" && index != "hnsw")
      r.fail(node["index"], key + ".index", "must be lsh or hnsw");
    out.hnsw = index == "hnsw";
  }
  const YAML::Node embedder = node["embedder"];
  if (!r.has(embedder)) return out;
  if (embedder.IsScalar()) {
    if (r.string_of(embedder, key + ".embedder") != "builtin") {
      r.fail(embedder, key + ".embedder", "must be builtin or {model: NAME}");
    }
    return out;
  }
  r.require_map(embedder, key + ".embedder");
  r.check_keys(embedder, key + ".embedder", {"model", "timeout"});
  out.embedder_model = r.required_string(embedder, "model", key + ".embedder.model");
  if (config.find_model(out.embedder_model) == nullptr) {
    r.fail(embedder["model"], key + ".embedder.model",
           "names no model of this config: '" + out.embedder_model + "'");
  }
  if (r.has(embedder["timeout"])) {
    out.embedder_timeout = r.duration_of(embedder["timeout"], key + ".embedder.timeout");
    if (out.embedder_timeout < core::Duration(10) || out.embedder_timeout > core::Duration(60000)) {
      r.fail(embedder["timeout"], key + ".embedder.timeout", "must be between 10ms and 60s");
    }
  }
  return out;
}

void read_skip(const core::ConfigReader& r, const YAML::Node& node, CacheSettings& out) {
  r.require_map(node, "cache.skip");
  r.check_keys(node, "cache.skip", {"tools", "temperature_above"});
  if (r.has(node["tools"])) out.skip_tools = r.bool_of(node["tools"], "cache.skip.tools");
  if (r.has(node["temperature_above"])) {
    out.skip_temperature_above =
        number_of(r, node["temperature_above"], "cache.skip.temperature_above", 0.0, 2.0);
  }
}

}  // namespace

std::string_view scope_name(Scope scope) {
  switch (scope) {
    case Scope::key:
      return "key";
    case Scope::user:
      return "user";
    case Scope::team:
      return "team";
    case Scope::global:
      return "global";
  }
  return "key";
}

CacheSettings read_cache_settings(const core::ConfigReader& r, const core::Config& config) {
  CacheSettings out;
  const YAML::Node section = config.root["cache"];
  if (!r.has(section)) return out;
  r.require_map(section, "cache");
  out.enabled = true;
  if (r.has(section["scope"])) {
    std::string scope = r.string_of(section["scope"], "cache.scope");
    if (scope == "key")
      out.scope = Scope::key;
    else if (scope == "user")
      out.scope = Scope::user;
    else if (scope == "team")
      out.scope = Scope::team;
    else if (scope == "global")
      out.scope = Scope::global;
    else
      r.fail(section["scope"], "cache.scope", "must be key, user, team or global");
  }
  if (r.has(section["store"])) {
    std::string store = r.string_of(section["store"], "cache.store");
    if (store == "memory")
      out.store = StoreKind::memory;
    else if (store == "redis")
      out.store = StoreKind::redis;
    else
      r.fail(section["store"], "cache.store", "must be memory or redis");
  }
  const YAML::Node state = config.root["state"];
  bool redis = r.has(state) && state.IsMap() && r.has(state["redis"]);
  if (out.store == StoreKind::redis && !redis) {
    r.fail(section["store"], "cache.store", "redis needs state.redis");
  }
  if (r.has(section["max_bytes"])) {
    out.max_bytes =
        r.unsigned_of(section["max_bytes"], "cache.max_bytes", 65536, std::uint64_t{1} << 40);
  }
  out.exact_ttl = read_ttl_map(r, section["exact"], "cache.exact", out.exact_ttl);
  if (r.has(section["semantic"])) out.semantic = read_semantic(r, section["semantic"], config);
  if (r.has(section["skip"])) read_skip(r, section["skip"], out);
  return out;
}

}  // namespace tollgate::cache
