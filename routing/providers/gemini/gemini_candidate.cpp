#include "routing/providers/gemini/gemini_candidate.h"

#include <algorithm>

#include <boost/json.hpp>

#include "routing/providers/common/openai_request_fields.h"
#include "routing/providers/gemini/gemini_response.h"
#include "routing/providers/gemini/gemini_text.h"

namespace tollgate::routing::providers::gemini {

namespace json = boost::json;
using openai_request::sv;

// The text and function calls of one candidate; `first_index` numbers the tool calls.
CandidateParts read_parts(const json::object& candidate, int first_index) {
  CandidateParts out;
  const json::value* content = candidate.if_contains("content");
  if (content == nullptr || !content->is_object()) return out;
  const json::value* parts = content->get_object().if_contains("parts");
  if (parts == nullptr || !parts->is_array()) return out;
  int index = first_index;
  for (const auto& part_v : parts->get_array()) {
    if (!part_v.is_object()) continue;
    const json::object& part = part_v.get_object();
    const json::value* thought = part.if_contains("thought");
    if (thought != nullptr && thought->is_bool() && thought->get_bool()) continue;
    if (const json::value* text = part.if_contains("text"); text != nullptr && text->is_string()) {
      out.text += sv(text->get_string());
    }
    if (const json::value* call = part.if_contains("functionCall");
        call != nullptr && call->is_object()) {
      const json::object& fc = call->get_object();
      std::string id;
      if (const json::value* given = fc.if_contains("id"); given != nullptr && given->is_string()) {
        id = std::string(sv(given->get_string()));
      } else {
        id = new_tool_call_id();
      }
      if (const json::value* sig = part.if_contains("thoughtSignature");
          sig != nullptr && sig->is_string() && !sig->get_string().empty()) {
        id += kSignatureMarker;
        id += sv(sig->get_string());
      }
      const json::value* name = fc.if_contains("name");
      const json::value* args = fc.if_contains("args");
      std::string arguments = args != nullptr && !args->is_null() ? json::serialize(*args) : "{}";
      json::object tool_call{
          {"index", index++},
          {"id", id},
          {"type", "function"},
          {"function",
           json::object{{"name", name != nullptr && name->is_string() ? *name : json::value("")},
                        {"arguments", arguments}}}};
      out.tool_calls.push_back(std::move(tool_call));
      out.called_function = true;
    }
  }
  return out;
}

std::string candidate_finish(const json::object& candidate) {
  const json::value* reason = candidate.if_contains("finishReason");
  return reason != nullptr && reason->is_string() ? std::string(sv(reason->get_string())) : "";
}

int candidate_index(const json::object& candidate, int position) {
  const json::value* index = candidate.if_contains("index");
  return index != nullptr && index->is_int64() ? static_cast<int>(index->get_int64()) : position;
}

// usageMetadata → usage; returns whether it was there.
bool read_usage_metadata(const json::object& response, core::Usage& usage, std::int64_t& total,
                         std::int64_t& reasoning) {
  const json::value* meta = response.if_contains("usageMetadata");
  if (meta == nullptr || !meta->is_object()) return false;
  // A count that is no exact int64 (7.5, 1e30) is not one: 0, rather than the exception
  // to_number throws, which dropped the client's connection mid-answer.
  auto number = [&](std::string_view key) -> std::int64_t {
    const json::value* v = meta->get_object().if_contains(key);
    if (v == nullptr || !v->is_number()) return 0;
    boost::system::error_code ec;
    std::int64_t n = v->to_number<std::int64_t>(ec);
    return ec ? 0 : n;
  };
  reasoning = number("thoughtsTokenCount");
  usage.prompt_tokens = number("promptTokenCount") + number("toolUsePromptTokenCount");
  usage.completion_tokens = number("candidatesTokenCount") + reasoning;
  usage.reported = true;
  total = number("totalTokenCount");
  if (total == 0) total = usage.total();
  return true;
}

json::object usage_json(const core::Usage& usage, std::int64_t total, std::int64_t reasoning) {
  json::object out{{"prompt_tokens", usage.prompt_tokens},
                   {"completion_tokens", usage.completion_tokens},
                   {"total_tokens", std::max(total, usage.total())}};
  if (reasoning > 0) {
    out["completion_tokens_details"] = json::object{{"reasoning_tokens", reasoning}};
  }
  return out;
}

std::string block_reason(const json::object& response) {
  const json::value* feedback = response.if_contains("promptFeedback");
  if (feedback == nullptr || !feedback->is_object()) return {};
  const json::value* reason = feedback->get_object().if_contains("blockReason");
  if (reason == nullptr || !reason->is_string()) return {};
  return std::string(sv(reason->get_string()));
}

const json::array* candidates_of(const json::object& response) {
  const json::value* c = response.if_contains("candidates");
  return c != nullptr && c->is_array() ? &c->get_array() : nullptr;
}

}  // namespace tollgate::routing::providers::gemini
