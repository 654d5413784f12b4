// Routing rules (`routes:`): the first rule whose every condition holds rewrites the
// model a request asks for. Conditions are plain request attributes: the requested model
// (a glob), the caller's key, user and team (once auth has run), header values, the
// estimated prompt size, and the caller's country and continent (once geo has run).
#pragma once

#include <optional>

#include "gateway/core/config.h"
#include "gateway/core/exchange.h"

namespace tollgate::routing {

// The index of the first matching rule, or nullopt.
std::optional<std::size_t> match_route(const std::vector<core::RouteRule>& rules,
                                       const core::Exchange& exchange);

}  // namespace tollgate::routing
