// The path of a client's request as the gateway checks, routes and forwards it. A
// provider's server resolves dot-segments and percent-encodings before it routes
// (`/v1/x/../../internal/admin`, `/v1/%2e%2e/...`), so the gateway does the same first
// and forwards only what it checked; whatever two servers could read differently (an
// encoded slash, a backslash, `;` path parameters, NUL) is refused instead.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::gateway::pipeline {

// Normalises `target` (path and query, as the client sent it) in place, and `path` (the
// part before '?') with it: percent-encoded unreserved characters decoded (RFC 3986
// §6.2.2.2), then dot-segments removed (§5.2.4). The query is kept as sent. Returns why
// the target is refused, or empty. Leaves both untouched when nothing needs changing (the
// usual case: no allocation).
std::string_view normalize_request_target(std::string& target, std::string& path);

}  // namespace tollgate::gateway::pipeline
