// What a request is, for the cache: whether it may be looked up or stored at all, its
// exact key (scope, the routing inputs that choose the served model, and everything in
// the body that shapes the answer, canonicalised: key order and whitespace do not count)
// and, for the semantic lookup, the context (the same without the last user message, and
// the numbers in that message) and that message's text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cache/cache_config.h"
#include "gateway/core/exchange.h"

namespace tollgate::cache {

struct RequestKeys {
  std::string exact;           // hex SHA-256
  std::string context;         // hex SHA-256; empty without `semantic` or a last user message
  std::string last_user_text;  // the text the semantic lookup compares
  std::string scope_tag;       // "key:ID", "team:ID", "global"
  bool has_tools = false;
  bool include_usage = false;  // stream_options.include_usage
};

// The scope the caller's answers are kept under: never the raw API key. A caller without
// the user or team the scope asks for is kept under its key id (never widened).
std::string scope_tag(Scope scope, const core::Principal* principal);

// Why a request is not looked up or stored, or nullopt when it may be. Fills `keys` when
// it may. `body` is the parsed (validated, depth-bounded) request body.
std::optional<std::string_view> request_keys(const CacheSettings& settings,
                                             const core::Exchange& exchange, RequestKeys& keys);

// The numbers of a text in order, "|"-separated ("15% of 80" → "15|80").
std::string numbers_of(std::string_view text);

}  // namespace tollgate::cache
