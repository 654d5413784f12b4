// YAML → core::Config. Every section is declared once with its keys, defaults and
// checks beside it (nginx's command tables, in spirit); errors name file:line:column
// and the dotted key.
#include "gateway/config/config_loader.h"

#include <algorithm>

#include <fstream>
#include <sstream>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "gateway/config/config_includes.h"
#include "gateway/config/cors_section.h"
#include "gateway/config/routing_sections.h"
#include "gateway/config/yaml_reader.h"
#include "gateway/core/json_limits.h"
#include "gateway/core/module_registry.h"
#include "gateway/core/provider_registry.h"
#include "gateway/core/sha256.h"

namespace tollgate::gateway::config {

namespace {

// Indexing a const node never adds the key it looks up (a non-const one does).
const YAML::Node& const_root(const YAML::Node& root) {
  return root;
}

core::ListenConfig read_listener(const Reader& r, const YAML::Node& node, const std::string& key) {
  core::ListenConfig listen;
  listen.where = r.mark(node);
  if (node.IsScalar()) {
    listen.address = r.host_port_of(node, key);
    return listen;
  }
  r.check_keys(node, key, {"address", "tls"});
  if (!node["address"]) r.fail(node, key + ".address", "is required");
  listen.address = r.host_port_of(node["address"], key + ".address");
  if (YAML::Node tls = node["tls"]) {
    r.check_keys(tls, key + ".tls", {"cert", "key"});
    listen.tls = core::TlsFiles{r.required_string(tls, "cert", key + ".tls"),
                                r.required_string(tls, "key", key + ".tls")};
  }
  return listen;
}

void read_server(const Reader& r, const YAML::Node& node, core::ServerConfig& server) {
  if (!Reader::has(node)) return;
  r.check_keys(
      node, "server",
      {"listen", "admin", "admin_key", "threads", "max_body_bytes", "max_json_depth",
       "header_timeout", "idle_timeout", "drain_timeout", "idle_poll_us", "watch", "cors"});
  if (YAML::Node listen = node["listen"]) {
    if (listen.IsScalar()) {
      server.listen.push_back(read_listener(r, listen, "server.listen"));
    } else {
      r.each(listen, "server.listen", [&](const YAML::Node& item, const std::string& key) {
        server.listen.push_back(read_listener(r, item, key));
      });
    }
  }
  if (YAML::Node admin = node["admin"]; Reader::has(admin)) {
    server.admin = r.host_port_of(admin, "server.admin");
  }
  if (YAML::Node key = node["admin_key"]; Reader::has(key)) {
    // A secret: the message never shows it.
    server.admin_key = r.string_of(key, "server.admin_key");
    if (!server.admin_key.empty() && server.admin_key.size() < 16) {
      r.fail(key, "server.admin_key", "must be at least 16 characters");
    }
  }
  if (YAML::Node n = node["threads"]) {
    server.threads = static_cast<unsigned>(r.unsigned_of(n, "server.threads", 0, 1024));
  }
  if (YAML::Node n = node["max_body_bytes"]) {
    server.max_body_bytes = r.unsigned_of(n, "server.max_body_bytes", 1, 1ull << 32);
  }
  if (YAML::Node n = node["max_json_depth"]) {
    // The reader walks a document by recursion, a few hundred bytes of stack a level.
    server.max_json_depth = r.unsigned_of(n, "server.max_json_depth", 2, core::kMaxJsonDepthLimit);
  }
  if (YAML::Node n = node["header_timeout"]) {
    server.header_timeout = r.duration_of(n, "server.header_timeout");
  }
  if (YAML::Node n = node["idle_timeout"])
    server.idle_timeout = r.duration_of(n, "server.idle_timeout");
  if (YAML::Node n = node["drain_timeout"]) {
    server.drain_timeout = r.duration_of(n, "server.drain_timeout");
  }
  if (YAML::Node n = node["watch"]; Reader::has(n)) server.watch = r.bool_of(n, "server.watch");
  if (YAML::Node n = node["idle_poll_us"]) {
    // Capped at 10 ms: beyond that it is a spinning core, not a shorter wake-up.
    server.idle_poll = std::chrono::microseconds(r.unsigned_of(n, "server.idle_poll_us", 0, 10000));
  }
}

// Client headers a provider may receive beyond the built-in allow-list. Credentials,
// cookies and the fields the transport owns can never be forwarded: a client could then
// pick whose account a provider bills, or break the framing of the upstream request.
std::vector<std::string> read_forward_headers(const Reader& r, const YAML::Node& node,
                                              const std::string& key) {
  static constexpr std::string_view kNeverForwarded[] = {"authorization",    "proxy-authorization",
                                                         "api-key",          "x-api-key",
                                                         "x-goog-api-key",   "cookie",
                                                         "connection",       "keep-alive",
                                                         "proxy-connection", "te",
                                                         "trailer",          "transfer-encoding",
                                                         "upgrade",          "host",
                                                         "content-length",   "content-encoding",
                                                         "accept-encoding",  "expect"};
  std::vector<std::string> names;
  r.each(node, key, [&](const YAML::Node& item, const std::string& item_key) {
    std::string name = r.string_of(item, item_key);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view stem = std::string_view(name).substr(0, name.size() - name.ends_with('*'));
    bool token = !stem.empty();
    for (char c : stem) {
      token = token && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    }
    if (!token) {
      r.fail(item, item_key, "must be a header name, or a prefix ending in '*' (\"x-trace-*\")");
    }
    for (std::string_view never : kNeverForwarded) {
      if (name.ends_with('*') ? never.starts_with(stem) : never == name) {
        r.fail(item, item_key,
               "'" + name + "' would forward '" + std::string(never) +
                   "', which a client must never set for a provider");
      }
    }
    names.push_back(std::move(name));
  });
  return names;
}

core::ProviderConfig read_provider(const Reader& r, const YAML::Node& node,
                                   const std::string& key) {
  // The kind decides which keys the section may hold beyond the common ones.
  const core::ProviderKind* kind = nullptr;
  if (r.options().providers != nullptr && node.IsMap() && node["kind"] && node["kind"].IsScalar()) {
    kind = r.options().providers->kind(node["kind"].Scalar());
  }
  static const std::vector<std::string> kNoKeys;
  r.check_keys(node, key,
               {"name", "kind", "base_url", "api_key", "timeout", "connect_timeout", "tls_verify",
                "ca_file", "headers", "forward_headers", "circuit_breaker", "region"},
               kind != nullptr ? kind->keys : kNoKeys);
  core::ProviderConfig p;
  p.where = r.mark(node);
  p.name = r.required_string(node, "name", key);
  p.kind = r.required_string(node, "kind", key);
  // Without a registry (a test of the core sections), any kind is taken.
  const std::vector<std::string> kinds = r.options().providers != nullptr
                                             ? r.options().providers->names()
                                             : std::vector<std::string>{};
  if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), p.kind) == kinds.end()) {
    std::string list;
    for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
    r.fail(node["kind"], key + ".kind", "unknown kind '" + p.kind + "' (known: " + list + ")");
  }
  if (kind != nullptr ? kind->needs_base_url : p.kind != "demo") {
    if (!Reader::has(node["base_url"])) r.fail(node, join_key(key, "base_url"), "is required");
    p.base_url = r.url_of(node["base_url"], join_key(key, "base_url"));
  }
  if (YAML::Node n = node["api_key"]; Reader::has(n)) {
    // Never echo the value: it is a secret.
    if (!n.IsScalar()) r.fail(n, key + ".api_key", "must be a string");
    p.api_key = n.Scalar();
  }
  if (YAML::Node n = node["timeout"]) p.timeout = r.duration_of(n, key + ".timeout");
  if (YAML::Node n = node["connect_timeout"]) {
    p.connect_timeout = r.duration_of(n, key + ".connect_timeout");
  }
  if (YAML::Node n = node["tls_verify"]) p.tls_verify = r.bool_of(n, key + ".tls_verify");
  if (YAML::Node n = node["ca_file"]; Reader::has(n)) p.ca_file = r.string_of(n, key + ".ca_file");
  if (YAML::Node b = node["circuit_breaker"]; Reader::has(b)) {
    p.circuit_breaker = read_breaker(r, b, key + ".circuit_breaker");
  }
  if (YAML::Node headers = node["headers"]; Reader::has(headers)) {
    r.require_map(headers, key + ".headers");
    for (auto it = headers.begin(); it != headers.end(); ++it) {
      std::string name = it->first.Scalar();
      p.headers.set(name, r.string_of(it->second, key + ".headers." + name));
    }
  }
  if (YAML::Node n = node["forward_headers"]; Reader::has(n)) {
    p.forward_headers = read_forward_headers(r, n, key + ".forward_headers");
  }
  if (YAML::Node n = node["region"]; Reader::has(n)) {
    p.region = r.string_of(n, key + ".region");  // residency (docs/geo.md)
    bool named = !p.region.empty() && std::all_of(p.region.begin(), p.region.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
    if (!named) r.fail(n, key + ".region", "must be letters, digits, '-' or '_' (eu, us-east)");
  }
  if (kind != nullptr && kind->read) p.settings = kind->read(r, node, key);
  return p;
}

std::string line_of(const core::SourceMark& m) {
  return m.file + ":" + std::to_string(m.line);
}

// The shape and keys of every section a stage or module owns, as registered; what is
// inside a key is its reader's to check.
void check_owned_sections(const Reader& r, const YAML::Node& root,
                          const core::ModuleRegistry& modules) {
  for (const core::ConfigSection* section : modules.sections()) {
    const YAML::Node node = root[section->name];
    if (!Reader::has(node)) continue;
    if (section->shape == core::ConfigSection::Shape::map) {
      r.require_map(node, section->name);
      if (!section->keys.empty()) r.check_keys(node, section->name, {}, section->keys);
      continue;
    }
    r.each(node, section->name, [&](const YAML::Node& item, const std::string& key) {
      r.require_map(item, key);
      if (!section->keys.empty()) r.check_keys(item, key, {}, section->keys);
    });
  }
}

std::vector<std::string> owned_section_names(const core::ModuleRegistry* modules) {
  std::vector<std::string> names;
  if (modules == nullptr) return names;
  names.push_back("pipeline");
  for (const core::ConfigSection* section : modules->sections()) names.push_back(section->name);
  return names;
}

// Whether API keys guard the gateway: a `keys:` section with entries, or an admin key
// that can make keys at run time.
bool keys_configured(const YAML::Node& root, const core::ServerConfig& server) {
  const YAML::Node keys = const_root(root)["keys"];
  return !server.admin_key.empty() || (keys && keys.IsSequence() && keys.size() > 0);
}

}  // namespace

core::ConfigPtr load_config_text(std::string_view yaml, const std::string& source,
                                 const LoadOptions& options) {
  Reader r(source, options);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    core::SourceMark where{source, e.mark.is_null() ? 0 : e.mark.line + 1,
                           e.mark.is_null() ? 0 : e.mark.column + 1};
    throw ConfigError(where, "", "YAML syntax error: " + e.msg);
  }
  auto config = std::make_shared<core::Config>();
  config->source = source;
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  expand_document(r, root);
  Included included = merge_includes(r, root);
  r.check_keys(root, "",
               {"server", "providers", "models", "routes", "circuit_breaker", "pricing", "include"},
               owned_section_names(options.modules));
  config->root = root;
  config->files.push_back({source, core::sha256_hex(yaml)});
  for (auto& file : included.files) config->files.push_back(std::move(file));
  config->origins = std::move(included.origins);

  try {
    read_server(r, root["server"], config->server);
    const YAML::Node server = const_root(root)["server"];
    read_cors(r, server && server.IsMap() ? server["cors"] : YAML::Node(),
              keys_configured(root, config->server), config->server.cors);
    r.each(root["providers"], "providers", [&](const YAML::Node& item, const std::string& key) {
      core::ProviderConfig p = read_provider(r, item, key);
      if (const core::ProviderConfig* earlier = config->find_provider(p.name)) {
        r.fail(item["name"], key + ".name",
               "provider '" + p.name + "' is duplicate (first defined at " +
                   line_of(earlier->where) + ")");
      }
      config->providers.push_back(std::move(p));
    });
    r.each(root["models"], "models", [&](const YAML::Node& item, const std::string& key) {
      core::ModelConfig m = read_model(r, item, key);
      if (const core::ModelConfig* earlier = config->find_model(m.name)) {
        r.fail(item["name"], key + ".name",
               "model '" + m.name + "' is duplicate (first defined at " + line_of(earlier->where) +
                   ")");
      }
      config->models.push_back(std::move(m));
    });
    read_routes(r, root["routes"], *config);
    if (YAML::Node b = root["circuit_breaker"]; Reader::has(b)) {
      config->circuit_breaker = read_breaker(r, b, "circuit_breaker");
    }
    read_pricing(r, root["pricing"], *config);
    if (options.modules != nullptr) {
      check_owned_sections(r, root, *options.modules);
      read_pipeline(r, root, *options.modules);
    }
  } catch (const YAML::Exception& e) {
    core::SourceMark where{source, e.mark.is_null() ? 0 : e.mark.line + 1,
                           e.mark.is_null() ? 0 : e.mark.column + 1};
    throw ConfigError(where, "", e.msg);
  }

  if (config->server.listen.empty()) {
    config->server.listen.push_back({{"127.0.0.1", 8080}, std::nullopt, {source, 0, 0}});
  }
  // The demo provider always exists, so `provider: demo` needs no declaration.
  if (config->find_provider("demo") == nullptr) {
    core::ProviderConfig demo;
    demo.name = "demo";
    demo.kind = "demo";
    demo.where = {source, 0, 0};
    config->providers.push_back(std::move(demo));
  }
  check_routing_references(*config);
  return config;
}

std::vector<std::string> read_pipeline(const core::ConfigReader& r, const YAML::Node& root,
                                       const core::ModuleRegistry& modules) {
  const YAML::Node node = root["pipeline"];
  if (!Reader::has(node)) return modules.default_pipeline();
  if (!node.IsSequence()) r.fail(node, "pipeline", "must be a list of stage names");
  std::vector<std::string> order;
  r.each(node, "pipeline", [&](const YAML::Node& item, const std::string& key) {
    std::string name = r.string_of(item, key);
    if (modules.find_stage(name) == nullptr) {
      std::string known;
      for (const auto& s : modules.stages()) known += (known.empty() ? "" : ", ") + s.name;
      r.fail(item, key, "unknown stage '" + name + "' (known: " + known + ")");
    }
    if (std::find(order.begin(), order.end(), name) != order.end()) {
      r.fail(item, key, "stage '" + name + "' is listed twice");
    }
    order.push_back(std::move(name));
  });
  for (const auto& stage : modules.stages()) {
    if (stage.required_because.empty() ||
        std::find(order.begin(), order.end(), stage.name) != order.end()) {
      continue;
    }
    r.fail(node, "pipeline", "leaves out '" + stage.name + "': " + stage.required_because);
  }
  return order;
}

core::ConfigPtr load_config_file(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path);
  if (!in) {
    throw ConfigError({path, 0, 0}, "", std::string("cannot read: ") + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  return load_config_text(text.str(), path, options);
}

}  // namespace tollgate::gateway::config
