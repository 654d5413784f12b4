// `server.cors`, read and checked: origins are exact (scheme://host[:port]), header names
// are tokens or a prefix ending in '*', and `*` is refused for origins when the config
// has API keys unless the operator says so in as many words.
#include "gateway/config/cors_section.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace tollgate::gateway::config {

namespace {

// Bounds on what the section may hold: the preflight answer is built from it per request.
constexpr std::size_t kMaxOrigins = 256;
constexpr std::size_t kMaxOriginBytes = 256;
constexpr std::size_t kMaxHeaders = 64;
constexpr std::size_t kMaxHeaderNameBytes = 64;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// "scheme://host" or "scheme://host:port", as a browser writes an Origin header: no path,
// no trailing slash, no user info, no wildcard.
bool is_origin(std::string_view origin) {
  std::size_t sep = origin.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  for (char c : origin.substr(0, sep)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  std::string_view authority = origin.substr(sep + 3);
  if (authority.empty()) return false;
  return std::all_of(authority.begin(), authority.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':' ||
           c == '[' || c == ']' || c == '_';
  });
}

bool is_header_pattern(std::string_view name) {
  std::string_view stem = name.substr(0, name.size() - (name.ends_with('*') ? 1 : 0));
  if (stem.empty() || name.size() > kMaxHeaderNameBytes) return false;
  return std::all_of(stem.begin(), stem.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

}  // namespace

const std::vector<std::string>& default_cors_headers() {
  static const std::vector<std::string> kDefault = {
      "authorization",
      "content-type",
      "x-api-key",
      "api-key",
      "anthropic-version",
      "anthropic-beta",
      "anthropic-dangerous-direct-browser-access",
      "openai-organization",
      "openai-project",
      "openai-beta",
      "idempotency-key",
      "user-agent",  // the Vercel AI SDK sets it; Firefox then asks for it
      "x-request-id",
      "traceparent",
      "x-stainless-*",  // the openai and Anthropic SDKs' platform and retry headers
  };
  return kDefault;
}

// long: one check per key of the section, each with its own message.
void read_cors(const core::ConfigReader& r, const YAML::Node& node, bool keys_configured,
               core::CorsConfig& cors) {
  if (!core::ConfigReader::has(node)) return;
  r.check_keys(node, "server.cors",
               {"origins", "headers", "max_age", "allow_any_origin_with_keys"});
  if (YAML::Node n = node["allow_any_origin_with_keys"]; core::ConfigReader::has(n)) {
    cors.allow_any_origin_with_keys = r.bool_of(n, "server.cors.allow_any_origin_with_keys");
  }
  const YAML::Node origins = node["origins"];
  if (!core::ConfigReader::has(origins) || !origins.IsSequence() || origins.size() == 0) {
    r.fail(node, "server.cors.origins",
           "must list the origins browsers may call from (\"https://app.example.com\")");
  }
  if (origins.size() > kMaxOrigins) {
    r.fail(origins, "server.cors.origins", "has more than 256 origins");
  }
  r.each(origins, "server.cors.origins", [&](const YAML::Node& item, const std::string& key) {
    std::string origin = lower(r.string_of(item, key));
    if (origin == "*") {
      if (origins.size() != 1) r.fail(item, key, "'*' must be the only origin");
      if (keys_configured && !cors.allow_any_origin_with_keys) {
        r.fail(item, key,
               "'*' lets any web page call the gateway with a key it holds; the config has API "
               "keys, so say `allow_any_origin_with_keys: true` if that is meant");
      }
      cors.any_origin = true;
    } else if (origin == "null") {
      r.fail(item, key, "'null' is the origin of sandboxed frames and local files: never allowed");
    } else if (origin.size() > kMaxOriginBytes || !is_origin(origin)) {
      r.fail(item, key,
             "must be an origin as browsers send it: scheme://host[:port], no path or trailing "
             "slash (\"https://app.example.com\"), or '*'");
    }
    if (std::find(cors.origins.begin(), cors.origins.end(), origin) != cors.origins.end()) {
      r.fail(item, key, "'" + origin + "' is listed twice");
    }
    cors.origins.push_back(std::move(origin));
  });
  if (YAML::Node headers = node["headers"]; core::ConfigReader::has(headers)) {
    if (headers.IsSequence() && headers.size() > kMaxHeaders) {
      r.fail(headers, "server.cors.headers", "has more than 64 names");
    }
    r.each(headers, "server.cors.headers", [&](const YAML::Node& item, const std::string& key) {
      std::string name = lower(r.string_of(item, key));
      if (!is_header_pattern(name)) {
        r.fail(item, key,
               "must be a header name, or a prefix ending in '*' (\"x-stainless-*\"); a bare '*' "
               "would not cover authorization in browsers");
      }
      cors.headers.push_back(std::move(name));
    });
  } else {
    cors.headers = default_cors_headers();
  }
  if (YAML::Node n = node["max_age"]; core::ConfigReader::has(n)) {
    cors.max_age = r.duration_of(n, "server.cors.max_age", true);
  }
}

}  // namespace tollgate::gateway::config
