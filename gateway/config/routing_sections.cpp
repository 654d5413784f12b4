#include "gateway/config/routing_sections.h"

#include <cctype>
#include <set>

namespace tollgate::gateway::config {

namespace {

struct NamedClass {
  std::string_view name;
  core::FailureClass failure;
};
constexpr NamedClass kClasses[] = {
    {"rate_limit", core::FailureClass::rate_limit},
    {"server_error", core::FailureClass::server_error},
    {"timeout", core::FailureClass::timeout},
    {"connect_error", core::FailureClass::connect_error},
    {"context_length", core::FailureClass::context_length},
    {"content_filter", core::FailureClass::content_filter},
    {"credentials_refused", core::FailureClass::credentials_refused},
};

core::Strategy strategy_of(const Reader& r, const YAML::Node& node, const std::string& key) {
  std::string name = r.string_of(node, key);
  if (name == "weighted") return core::Strategy::weighted;
  if (name == "round_robin") return core::Strategy::round_robin;
  if (name == "least_latency") return core::Strategy::least_latency;
  if (name == "least_busy") return core::Strategy::least_busy;
  if (name == "lowest_cost") return core::Strategy::lowest_cost;
  r.fail(node, key,
         "unknown strategy '" + name +
             "' (known: weighted, round_robin, least_latency, least_busy, lowest_cost)");
}

double price_of(const Reader& r, const YAML::Node& node, const std::string& key) {
  double value = 0;
  try {
    value = node.as<double>();
  } catch (const YAML::Exception&) {
    r.fail(node, key, "must be a number (USD per million tokens)");
  }
  if (!(value >= 0) || value > 1e9) r.fail(node, key, "must be 0 or more");
  return value;
}

// `country: DE`, `country: [DE, FR]` (or continents): two-letter codes, upper-cased as
// the geo database spells them.
std::vector<std::string> read_codes(const Reader& r, const YAML::Node& node,
                                    const std::string& key) {
  std::vector<std::string> out;
  if (!Reader::has(node)) return out;
  auto one = [&](const YAML::Node& item, const std::string& k) {
    std::string code = r.string_of(item, k);
    bool letters = code.size() == 2 && std::isalpha(static_cast<unsigned char>(code[0])) &&
                   std::isalpha(static_cast<unsigned char>(code[1]));
    if (!letters) r.fail(item, k, "must be a two-letter code (DE, EU)");
    for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.push_back(std::move(code));
  };
  if (node.IsSequence()) {
    r.each(node, key, one);
  } else {
    one(node, key);
  }
  return out;
}

}  // namespace

core::ModelConfig read_model(const Reader& r, const YAML::Node& node, const std::string& key) {
  r.check_keys(node, key,
               {"name", "targets", "strategy", "fallbacks", "timeout", "retries", "fallback_on"});
  core::ModelConfig m;
  m.where = r.mark(node);
  m.name = r.required_string(node, "name", key);
  YAML::Node targets = node["targets"];
  if (!targets || !targets.IsSequence() || targets.size() == 0) {
    r.fail(targets ? targets : node, key + ".targets", "must be a non-empty list");
  }
  r.each(targets, key + ".targets", [&](const YAML::Node& item, const std::string& tkey) {
    r.check_keys(item, tkey, {"provider", "model", "weight"});
    core::TargetConfig t;
    t.where = r.mark(item);
    t.provider = r.required_string(item, "provider", tkey);
    t.model = r.required_string(item, "model", tkey);
    if (YAML::Node w = item["weight"]) {
      t.weight = static_cast<unsigned>(r.unsigned_of(w, tkey + ".weight", 0, 1000000));
    }
    m.targets.push_back(std::move(t));
  });
  if (YAML::Node n = node["strategy"]; Reader::has(n)) {
    m.strategy = strategy_of(r, n, key + ".strategy");
  }
  r.each(node["fallbacks"], key + ".fallbacks", [&](const YAML::Node& item, const std::string& k) {
    std::string name = r.string_of(item, k);
    if (name == m.name) r.fail(item, k, "a model cannot fall back to itself");
    m.fallbacks.push_back(std::move(name));
  });
  if (YAML::Node n = node["timeout"]; Reader::has(n))
    m.timeout = r.duration_of(n, key + ".timeout");
  if (YAML::Node retries = node["retries"]; Reader::has(retries)) {
    std::string rkey = key + ".retries";
    r.require_map(retries, rkey);
    r.check_keys(retries, rkey, {"attempts", "backoff", "max_backoff"});
    if (YAML::Node n = retries["attempts"]) {
      m.retries.attempts = static_cast<unsigned>(r.unsigned_of(n, rkey + ".attempts", 0, 10));
    }
    if (YAML::Node n = retries["backoff"]) {
      m.retries.backoff = r.duration_of(n, rkey + ".backoff", true);
    }
    if (YAML::Node n = retries["max_backoff"]) {
      m.retries.max_backoff = r.duration_of(n, rkey + ".max_backoff", true);
    }
  }
  if (YAML::Node list = node["fallback_on"]; Reader::has(list)) {
    m.fallback_on.clear();
    r.each(list, key + ".fallback_on", [&](const YAML::Node& item, const std::string& k) {
      std::string name = r.string_of(item, k);
      for (const auto& c : kClasses) {
        if (c.name == name) {
          m.fallback_on.push_back(c.failure);
          return;
        }
      }
      r.fail(item, k,
             "unknown failure class '" + name +
                 "' (known: rate_limit, server_error, timeout, connect_error, context_length, "
                 "content_filter, credentials_refused; client errors never fall back)");
    });
  }
  return m;
}

core::BreakerConfig read_breaker(const Reader& r, const YAML::Node& node, const std::string& key) {
  core::BreakerConfig b;
  r.require_map(node, key);
  r.check_keys(node, key, {"failures", "open_for"});
  if (YAML::Node n = node["failures"]) {
    b.failures = static_cast<unsigned>(r.unsigned_of(n, key + ".failures", 1, 1000000));
  }
  if (YAML::Node n = node["open_for"]) b.open_for = r.duration_of(n, key + ".open_for");
  return b;
}

void read_routes(const Reader& r, const YAML::Node& list, core::Config& config) {
  r.each(list, "routes", [&](const YAML::Node& item, const std::string& key) {
    r.require_map(item, key);
    r.check_keys(item, key, {"match", "to"});
    core::RouteRule rule;
    rule.where = r.mark(item);
    rule.to = r.required_string(item, "to", key);
    YAML::Node match = item["match"];
    std::string mkey = key + ".match";
    if (!Reader::has(match)) r.fail(item, mkey, "is required (what the rule applies to)");
    r.require_map(match, mkey);
    r.check_keys(
        match, mkey,
        {"model", "team", "user", "key", "header", "min_prompt_tokens", "country", "continent"});
    if (Reader::has(match["model"])) rule.model = r.string_of(match["model"], mkey + ".model");
    if (Reader::has(match["team"])) rule.team = r.string_of(match["team"], mkey + ".team");
    if (Reader::has(match["user"])) rule.user = r.string_of(match["user"], mkey + ".user");
    if (Reader::has(match["key"])) rule.key = r.string_of(match["key"], mkey + ".key");
    if (YAML::Node headers = match["header"]; Reader::has(headers)) {
      r.require_map(headers, mkey + ".header");
      for (auto it = headers.begin(); it != headers.end(); ++it) {
        std::string name = it->first.Scalar();
        rule.headers.emplace_back(name, r.string_of(it->second, mkey + ".header." + name));
      }
    }
    if (YAML::Node n = match["min_prompt_tokens"]) {
      rule.min_prompt_tokens = static_cast<std::int64_t>(
          r.unsigned_of(n, mkey + ".min_prompt_tokens", 1, std::uint64_t{1} << 40));
    }
    rule.countries = read_codes(r, match["country"], mkey + ".country");
    rule.continents = read_codes(r, match["continent"], mkey + ".continent");
    config.routes.push_back(std::move(rule));
  });
}

void read_pricing(const Reader& r, const YAML::Node& node, core::Config& config) {
  if (!Reader::has(node)) return;
  r.require_map(node, "pricing");
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string model = it->first.as<std::string>();
    std::string key = join_key("pricing", model);
    const YAML::Node entry = it->second;
    r.require_map(entry, key);
    r.check_keys(entry, key, {"input", "output"});
    core::Price price;
    if (Reader::has(entry["input"]))
      price.input_per_million = price_of(r, entry["input"], key + ".input");
    if (Reader::has(entry["output"])) {
      price.output_per_million = price_of(r, entry["output"], key + ".output");
    }
    config.pricing.emplace(std::move(model), price);
  }
}

void check_routing_references(const core::Config& config) {
  for (const auto& model : config.models) {
    for (const auto& target : model.targets) {
      if (config.find_provider(target.provider) == nullptr) {
        throw core::ConfigError(target.where, "models." + model.name + ".targets.provider",
                                "unknown provider '" + target.provider + "'");
      }
    }
    for (const auto& fallback : model.fallbacks) {
      if (config.find_model(fallback) == nullptr) {
        throw core::ConfigError(model.where, "models." + model.name + ".fallbacks",
                                "unknown model '" + fallback + "'");
      }
    }
  }
  for (const auto& rule : config.routes) {
    if (config.find_model(rule.to) == nullptr) {
      throw core::ConfigError(rule.where, "routes.to", "unknown model '" + rule.to + "'");
    }
  }
}

}  // namespace tollgate::gateway::config
