// The blocks an Anthropic answer from the mock opens with, before its text and tool uses,
// as extended thinking and server tools make them (docs.anthropic.com: extended thinking,
// web search tool), steered by headers:
//   x-mock-thinking: TEXT            a thinking block with a signature over TEXT
//   x-mock-redacted-thinking: DATA   a redacted_thinking block
//   x-mock-web-search: QUERY         server_tool_use + web_search_tool_result, then a text
//                                    block citing the result
// Whole (the Message's content) and streamed (thinking_delta + signature_delta,
// input_json_delta, citations_delta). The request side checks a thinking block sent back
// with the signature the mock gave it (mock_anthropic_request.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tollgate::mock {

struct AnthropicEvent;

struct LeadingSteering {
  std::string thinking;           // x-mock-thinking
  std::string redacted_thinking;  // x-mock-redacted-thinking
  std::string web_search;         // x-mock-web-search
};

// The signature the mock gives a thinking block: opaque to clients, checked when sent back.
std::string mock_signature(std::string_view thinking);

// The blocks as JSON, each followed by a comma (they open the content array).
std::string leading_blocks_json(const LeadingSteering& s);

// Their events, at content block indices 0..n-1; returns n.
int leading_block_events(const LeadingSteering& s, std::vector<AnthropicEvent>& ev);

}  // namespace tollgate::mock
