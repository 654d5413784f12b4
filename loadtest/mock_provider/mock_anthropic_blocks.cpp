#include "loadtest/mock_provider/mock_anthropic_blocks.h"

#include <cstdint>
#include <cstdio>

#include "loadtest/mock_provider/mock_anthropic.h"
#include "loadtest/mock_provider/mock_bodies.h"

namespace tollgate::mock {

namespace {

constexpr std::string_view kResultUrl = "https://example.com/mock-result";

std::string quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string search_input(const LeadingSteering& s) {
  return R"({"query":)" + quoted(s.web_search) + "}";
}

std::string search_result() {
  return R"({"type":"web_search_tool_result","tool_use_id":"srvtoolu_mock0","content":[)"
         R"({"type":"web_search_result","url":")" +
         std::string(kResultUrl) +
         R"(","title":"Mock result","encrypted_content":"EqgfCiomock","page_age":"April 1, 2025"}]})";
}

std::string citation() {
  return R"({"type":"web_search_result_location","url":")" + std::string(kResultUrl) +
         R"(","title":"Mock result","encrypted_index":"Eo8BCiomock","cited_text":"mock cited text"})";
}

constexpr std::string_view kCitedText = "According to the search, mock.";

std::string block_event(std::string_view type, int index, std::string_view rest) {
  return R"({"type":")" + std::string(type) + R"(","index":)" + std::to_string(index) +
         std::string(rest) + "}";
}

void start(int index, const std::string& block, std::vector<AnthropicEvent>& ev) {
  ev.push_back({"content_block_start",
                block_event("content_block_start", index, R"(,"content_block":)" + block)});
}
void delta(int index, const std::string& d, std::vector<AnthropicEvent>& ev) {
  ev.push_back(
      {"content_block_delta", block_event("content_block_delta", index, R"(,"delta":)" + d)});
}
void stop(int index, std::vector<AnthropicEvent>& ev) {
  ev.push_back({"content_block_stop", block_event("content_block_stop", index, "")});
}

}  // namespace

std::string mock_signature(std::string_view thinking) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : thinking) h = (h ^ c) * 1099511628211ULL;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return "EuYBCkQYAiJAmock" + std::string(hex) + "+/=";
}

std::string leading_blocks_json(const LeadingSteering& s) {
  std::string out;
  if (!s.thinking.empty()) {
    out += R"({"type":"thinking","thinking":)" + quoted(s.thinking) + R"(,"signature":)" +
           quoted(mock_signature(s.thinking)) + "},";
  }
  if (!s.redacted_thinking.empty()) {
    out += R"({"type":"redacted_thinking","data":)" + quoted(s.redacted_thinking) + "},";
  }
  if (!s.web_search.empty()) {
    out += R"({"type":"server_tool_use","id":"srvtoolu_mock0","name":"web_search","input":)" +
           search_input(s) + "},";
    out += search_result() + ",";
    out +=
        R"({"type":"text","text":)" + quoted(kCitedText) + R"(,"citations":[)" + citation() + "]},";
  }
  return out;
}

int leading_block_events(const LeadingSteering& s, std::vector<AnthropicEvent>& ev) {
  int i = 0;
  if (!s.thinking.empty()) {
    start(i, R"({"type":"thinking","thinking":"","signature":""})", ev);
    std::size_t half = s.thinking.size() / 2;
    for (std::string piece : {s.thinking.substr(0, half), s.thinking.substr(half)}) {
      delta(i, R"({"type":"thinking_delta","thinking":)" + quoted(piece) + "}", ev);
    }
    delta(i, R"({"type":"signature_delta","signature":)" + quoted(mock_signature(s.thinking)) + "}",
          ev);
    stop(i++, ev);
  }
  if (!s.redacted_thinking.empty()) {
    start(i, R"({"type":"redacted_thinking","data":)" + quoted(s.redacted_thinking) + "}", ev);
    stop(i++, ev);
  }
  if (!s.web_search.empty()) {
    start(i, R"({"type":"server_tool_use","id":"srvtoolu_mock0","name":"web_search","input":{}})",
          ev);
    std::string input = search_input(s);
    std::size_t half = input.size() / 2;
    for (std::string piece : {input.substr(0, half), input.substr(half)}) {
      delta(i, R"({"type":"input_json_delta","partial_json":)" + quoted(piece) + "}", ev);
    }
    stop(i++, ev);
    start(i, search_result(), ev);
    stop(i++, ev);
    start(i, R"({"type":"text","text":""})", ev);
    delta(i, R"({"type":"citations_delta","citation":)" + citation() + "}", ev);
    delta(i, R"({"type":"text_delta","text":)" + quoted(kCitedText) + "}", ev);
    stop(i++, ev);
  }
  return i;
}

}  // namespace tollgate::mock
