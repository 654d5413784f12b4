// The demo's answers to POST /v1/responses, whole and streamed, in the shapes of OpenAI's
// Responses API (Response, ResponseStreamEvent): a message with the demo reply, a JSON
// object for text.format json_object or json_schema, or a function call that tool_choice
// forces. Stored nowhere (`store: false`).
#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

#include "gateway/core/exchange.h"
#include "gateway/core/response.h"

namespace tollgate::routing::providers::demo {

boost::asio::awaitable<void> answer_responses(core::Exchange& exchange, const std::string& model,
                                              core::ResponseSink& sink);

}  // namespace tollgate::routing::providers::demo
