// Cross-origin answers for browser apps (`server.cors`, docs/ingress.md "Browsers"): the
// preflight, answered before any stage (a browser sends no key with it), and the fields
// every answer to an allowed origin carries. No Beast: plain functions over our types.
#pragma once

#include "gateway/core/config.h"
#include "gateway/core/exchange.h"
#include "gateway/core/response.h"

namespace tollgate::gateway::pipeline {

// The Origin to echo in Access-Control-Allow-Origin ("*" for any origin), or empty when
// the request has none, has several, or names one not allowed.
std::string_view allowed_origin(const core::CorsConfig& cors, const core::Headers& request);

// A preflight (OPTIONS with Origin and Access-Control-Request-Method) to a /v1/ path:
// `answer` is 204 with the Access-Control-* fields for an allowed origin, 403 without them
// for any other. False for every other request. Needs no key, counts against no limit,
// reaches no provider.
bool answer_preflight(const core::CorsConfig& cors, const core::Exchange& exchange,
                      core::Response& answer);

// Access-Control-Allow-Origin and -Expose-Headers for an allowed origin, and `Vary:
// Origin` whenever the answer depends on it, into exchange.response_headers (which the
// client sink adds to every answer, errors and streams included).
void add_cors_headers(const core::CorsConfig& cors, core::Exchange& exchange);

}  // namespace tollgate::gateway::pipeline
