// Reading one GenerateContentResponse: its candidates' text and function calls, finish
// reasons, indexes, usageMetadata and promptFeedback. Shared by the whole answer
// (gemini_response.cpp) and the stream (gemini_stream.cpp); internal to gemini/.
#pragma once

#include <cstdint>
#include <string>

#include <boost/json/value.hpp>

#include "gateway/core/exchange.h"

namespace tollgate::routing::providers::gemini {

struct CandidateParts {
  std::string text;
  boost::json::array tool_calls;  // OpenAI tool_calls with "index", ids generated
  bool called_function = false;
};

// The text and function calls of one candidate; `first_index` numbers the tool calls.
// Thought parts are left out; a thoughtSignature rides in the tool call id.
CandidateParts read_parts(const boost::json::object& candidate, int first_index);

// finishReason, or "".
std::string candidate_finish(const boost::json::object& candidate);
// The candidate's index, or its `position` in the list when it has none.
int candidate_index(const boost::json::object& candidate, int position);
// candidates, or nullptr when absent.
const boost::json::array* candidates_of(const boost::json::object& response);

// usageMetadata → usage, the total Gemini reported and the reasoning tokens; returns
// whether it was there.
bool read_usage_metadata(const boost::json::object& response, core::Usage& usage,
                         std::int64_t& total, std::int64_t& reasoning);
// OpenAI's usage object.
boost::json::object usage_json(const core::Usage& usage, std::int64_t total,
                               std::int64_t reasoning);

// promptFeedback.blockReason, or "".
std::string block_reason(const boost::json::object& response);

}  // namespace tollgate::routing::providers::gemini
