// The typed, validated configuration: what the YAML files say after loading, env
// expansion and checks. Immutable once built; requests hold a shared_ptr to the
// snapshot they started with, so a reload never changes a request in flight.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/core/failure.h"
#include "gateway/core/headers.h"

namespace tollgate::core {

using Duration = std::chrono::milliseconds;

// Where a value came from, for messages like "conf/tollgate.yaml:12: ...".
struct SourceMark {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

// host:port, as written ("127.0.0.1:8080", "[::1]:8080", "localhost:80").
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

// An upstream base URL split once at load time.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;
  std::uint16_t port = 0;  // defaulted from the scheme when absent
  std::string path;        // without a trailing slash; may be empty
  bool tls() const { return scheme == "https"; }
};

struct TlsFiles {
  std::string cert;
  std::string key;
};

struct ListenConfig {
  HostPort address;
  std::optional<TlsFiles> tls;
  SourceMark where;
};

// `server.cors`: browsers on these origins may call the public listeners (docs/ingress.md,
// "Browsers"). Off when `origins` is empty.
struct CorsConfig {
  std::vector<std::string> origins;  // "https://app.example.com" (lower case), or "*"
  bool any_origin = false;           // origins is ["*"]
  // Request headers a browser may send (lower case); a trailing '*' matches a prefix
  // ("x-stainless-*"), answered with the names the preflight asked for.
  std::vector<std::string> headers;
  Duration max_age = std::chrono::minutes(10);
  bool allow_any_origin_with_keys = false;  // lets `*` stand when keys are configured
  bool enabled() const { return !origins.empty(); }
};

struct ServerConfig {
  std::vector<ListenConfig> listen;
  std::optional<HostPort> admin;
  std::string admin_key;  // a secret: Bearer token for /admin/*; empty disables them
  unsigned threads = 0;   // 0 = one per core
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_json_depth = 128;  // nesting levels of a request body (core/request_json.h)
  Duration header_timeout = std::chrono::seconds(10);
  Duration idle_timeout = std::chrono::seconds(60);
  Duration drain_timeout = std::chrono::seconds(30);
  // After a worker's event loop runs out of work it keeps checking its sockets for up to
  // this long (the window adapts to the traffic) before it sleeps. 0 = sleep at once.
  // See docs/performance.md, "Idle polling".
  std::chrono::microseconds idle_poll{0};
  bool watch = false;  // reload when a config file changes (gateway/reload/config_watch.h)
  CorsConfig cors;     // the one part of `server:` a reload may change
};

// A circuit breaker per target: `failures` consecutive failures open it; after
// `open_for` one probe request is let through (half-open); its success closes it.
struct BreakerConfig {
  unsigned failures = 5;
  Duration open_for = std::chrono::seconds(30);
};

// What a provider kind reads from its own config keys (Azure's api_version, ...): each
// kind derives its typed settings from this (gateway/core/provider_registry.h).
struct ProviderSettings {
  virtual ~ProviderSettings() = default;
};

struct ProviderConfig {
  std::string name;
  std::string kind;  // "openai", "azure", "anthropic", "gemini", "demo"
  Url base_url;
  std::string api_key;  // a secret: never logged, never in an error or a metric
  Duration timeout = std::chrono::seconds(120);  // whole request; streams: between events
  Duration connect_timeout = std::chrono::seconds(5);
  bool tls_verify = true;
  std::string ca_file;  // empty: the system CA store
  Headers headers;      // extra headers sent upstream
  // Client headers sent on to this provider beyond the built-in allow-list (lower case;
  // a trailing '*' matches a prefix). Never credentials or hop-by-hop fields.
  std::vector<std::string> forward_headers;
  std::optional<BreakerConfig> circuit_breaker;  // overrides the config-wide default
  std::string region;  // where its deployments run ("eu"), for residency; empty: unknown
  // The kind's own settings, as its registered reader made them; null when the provider
  // was not read from a file (its factory then takes the kind's defaults).
  std::shared_ptr<const ProviderSettings> settings;
  SourceMark where;
};

struct TargetConfig {
  std::string provider;  // a ProviderConfig::name
  std::string model;     // what that provider is sent
  unsigned weight = 1;
  SourceMark where;
};

enum class Strategy { weighted, round_robin, least_latency, least_busy, lowest_cost };

struct RetryPolicy {
  unsigned attempts = 0;  // retries after the first try, per model of the chain
  Duration backoff = std::chrono::milliseconds(200);  // doubled each retry, jittered
  Duration max_backoff = std::chrono::seconds(5);     // also caps a provider's retry-after
};

struct ModelConfig {
  std::string name;  // what clients send
  std::vector<TargetConfig> targets;
  Strategy strategy = Strategy::weighted;
  std::vector<std::string> fallbacks;  // other model names, tried in order
  std::optional<Duration> timeout;     // per attempt; overrides the provider's
  RetryPolicy retries;
  // The failure classes that move on to the next model of the chain.
  std::vector<FailureClass> fallback_on = {FailureClass::rate_limit, FailureClass::server_error,
                                           FailureClass::timeout, FailureClass::connect_error,
                                           FailureClass::credentials_refused};
  SourceMark where;
};

// USD per million tokens, by the model a provider is sent (`pricing:`): budgets and the
// lowest_cost strategy.
struct Price {
  double input_per_million = 0;
  double output_per_million = 0;
};

// A routing rule: when every given condition holds, the request goes to model `to`.
struct RouteRule {
  std::string model;            // glob on the requested model; empty: any
  std::string team, user, key;  // the caller's principal; empty: any
  std::vector<std::pair<std::string, std::string>> headers;  // name, exact value
  std::int64_t min_prompt_tokens = 0;                        // estimated; 0: any
  // Where the caller is (the geo stage): any of these ISO codes; empty: any.
  std::vector<std::string> countries, continents;
  std::string to;
  SourceMark where;
};

// The nodes an `include:`d file brought into the document, with that file's name: a
// reader names the file a node came from in its errors (ConfigReader::mark).
struct NodeOrigins {
  std::vector<std::pair<YAML::Node, std::string>> items;  // a merged item, its file
};

// A file the config was read from, for GET /admin/config.
struct ConfigFile {
  std::string path;
  std::string sha256;  // of its bytes as read
};

struct Config {
  std::string source;                          // file name, or "<embedded>"
  std::vector<ConfigFile> files;               // the main file, then each included one
  std::shared_ptr<const NodeOrigins> origins;  // null: everything is from `source`
  ServerConfig server;
  std::vector<ProviderConfig> providers;
  std::vector<ModelConfig> models;
  std::vector<RouteRule> routes;  // first match wins
  BreakerConfig circuit_breaker;
  std::map<std::string, Price, std::less<>> pricing;
  // The whole document after env expansion, for the sections later stages own.
  YAML::Node root;

  const ProviderConfig* find_provider(std::string_view name) const;
  const ModelConfig* find_model(std::string_view name) const;
};

using ConfigPtr = std::shared_ptr<const Config>;

}  // namespace tollgate::core
