// server.cors at request time. Every input is bounded: one Origin of at most 256 bytes
// compared with the configured list, at most 64 requested header names of at most 64
// bytes each, so a hostile preflight costs no more than a polite one.
#include "gateway/pipeline/cors.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include "gateway/core/errors.h"

namespace tollgate::gateway::pipeline {

namespace {

constexpr std::size_t kMaxOriginBytes = 256;
constexpr std::size_t kMaxRequestedNames = 64;
constexpr std::size_t kMaxNameBytes = 64;
constexpr std::string_view kMethods = "GET, POST, DELETE, OPTIONS";
// What a browser app may read of an answer: ids, limits and the gateway's own fields.
constexpr std::string_view kExposed =
    "x-request-id, request-id, retry-after, retry-after-ms, x-ratelimit-limit-requests, "
    "x-ratelimit-limit-tokens, x-ratelimit-remaining-requests, x-ratelimit-remaining-tokens, "
    "x-ratelimit-reset-requests, x-ratelimit-reset-tokens, anthropic-ratelimit-requests-limit, "
    "anthropic-ratelimit-requests-remaining, anthropic-ratelimit-requests-reset, "
    "anthropic-ratelimit-tokens-limit, anthropic-ratelimit-tokens-remaining, "
    "anthropic-ratelimit-tokens-reset, x-tollgate-provider, x-tollgate-model, "
    "x-tollgate-attempts, x-tollgate-cache, x-tollgate-cache-similarity, x-tollgate-flags";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_token(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameBytes &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The configured names, then each name the preflight asked for that a prefix pattern
// ("x-stainless-*") covers: a browser checks every name it asks for against this list,
// and a pattern means nothing to it.
std::string allowed_headers(const core::CorsConfig& cors, const core::Headers& request) {
  std::string out;
  auto append = [&](std::string_view name) {
    if (!out.empty()) out += ", ";
    out += name;
  };
  bool patterns = false;
  for (const auto& name : cors.headers) {
    if (name.ends_with('*')) {
      patterns = true;
    } else {
      append(name);
    }
  }
  if (!patterns) return out;
  std::size_t seen = 0;
  std::vector<std::string> added;
  for (const auto& field : request) {
    if (!core::iequals(field.name, "access-control-request-headers")) continue;
    std::string_view list = field.value;
    while (!list.empty() && seen < kMaxRequestedNames) {
      std::size_t comma = list.find(',');
      std::string_view item = trim(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      ++seen;
      if (!is_token(item)) continue;
      std::string name = lower(item);
      bool covered = std::any_of(cors.headers.begin(), cors.headers.end(), [&](const auto& p) {
        return p.ends_with('*') && name.starts_with(std::string_view(p).substr(0, p.size() - 1));
      });
      if (!covered || std::find(added.begin(), added.end(), name) != added.end()) continue;
      append(name);
      added.push_back(std::move(name));
    }
  }
  return out;
}

}  // namespace

std::string_view allowed_origin(const core::CorsConfig& cors, const core::Headers& request) {
  std::string_view origin;
  int count = 0;
  for (const auto& field : request) {
    if (!core::iequals(field.name, "origin")) continue;
    origin = field.value;
    if (++count > 1) return {};  // a browser sends one; two is someone probing
  }
  if (origin.empty() || origin.size() > kMaxOriginBytes) return {};
  if (cors.any_origin) return "*";
  for (const auto& allowed : cors.origins) {
    if (core::iequals(allowed, origin)) return origin;
  }
  return {};
}

bool answer_preflight(const core::CorsConfig& cors, const core::Exchange& exchange,
                      core::Response& answer) {
  const core::Headers& request = exchange.request_headers;
  if (!cors.enabled() || exchange.method != "OPTIONS" || !request.has("origin") ||
      !request.has("access-control-request-method") || !exchange.path.starts_with("/v1/")) {
    return false;
  }
  std::string_view origin = allowed_origin(cors, request);
  if (origin.empty()) {
    // No Access-Control-* field: the browser refuses the call; the status says why to
    // anyone reading the network panel.
    answer = core::error_response(core::ErrorKind::forbidden,
                                  "this origin may not call the gateway (server.cors.origins)");
    if (!cors.any_origin) answer.headers.set("vary", "origin");
    return true;
  }
  answer = core::Response{};
  answer.status = 204;
  answer.headers.set("access-control-allow-origin", origin);
  if (!cors.any_origin) answer.headers.set("vary", "origin");
  answer.headers.set("access-control-allow-methods", kMethods);
  answer.headers.set("access-control-allow-headers", allowed_headers(cors, request));
  answer.headers.set(
      "access-control-max-age",
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(cors.max_age).count()));
  return true;
}

void add_cors_headers(const core::CorsConfig& cors, core::Exchange& exchange) {
  if (!cors.enabled()) return;
  std::string_view origin = allowed_origin(cors, exchange.request_headers);
  if (!cors.any_origin) exchange.response_headers.add("vary", "origin");
  if (origin.empty()) return;
  exchange.response_headers.set("access-control-allow-origin", origin);
  exchange.response_headers.set("access-control-expose-headers", kExposed);
}

}  // namespace tollgate::gateway::pipeline
