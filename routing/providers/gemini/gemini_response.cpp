// GenerateContentResponse → chat.completion: one choice per candidate, text and function
// calls as the message, Gemini's finish reasons and usage in OpenAI's words.
#include "routing/providers/gemini/gemini_response.h"

#include <random>

#include <boost/json.hpp>

#include "gateway/core/json_limits.h"
#include "routing/providers/gemini/gemini_candidate.h"

namespace tollgate::routing::providers::gemini {

namespace json = boost::json;

std::string new_tool_call_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::string id = "call_";
  for (int i = 0; i < 24; ++i) id.push_back(kAlphabet[random() % 62]);
  return id;
}

std::string_view map_finish_reason(std::string_view reason, bool called_function) {
  if (reason == "MAX_TOKENS") return "length";
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" ||
      reason == "PROHIBITED_CONTENT" || reason == "SPII" || reason == "IMAGE_SAFETY" ||
      reason == "IMAGE_PROHIBITED_CONTENT" || reason == "IMAGE_RECITATION") {
    return "content_filter";
  }
  if (called_function) return "tool_calls";
  return "stop";
}

TranslatedAnswer translate_response(std::string_view gemini_body, const AnswerContext& context) {
  TranslatedAnswer answer;
  boost::system::error_code ec;
  json::value doc = json::parse(gemini_body, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return answer;
  const json::object& response = doc.get_object();
  std::int64_t total = 0;
  std::int64_t reasoning = 0;
  bool has_usage = read_usage_metadata(response, answer.usage, total, reasoning);
  const json::array* candidates = candidates_of(response);
  if (candidates == nullptr || candidates->empty()) {
    answer.blocked = block_reason(response);
    if (answer.blocked.empty()) answer.blocked = "OTHER";
    answer.ok = true;
    return answer;
  }
  json::array choices;
  int position = 0;
  for (const auto& candidate_v : *candidates) {
    if (!candidate_v.is_object()) continue;
    const json::object& candidate = candidate_v.get_object();
    CandidateParts parts = read_parts(candidate, 0);
    std::string_view finish = map_finish_reason(candidate_finish(candidate), parts.called_function);
    if (finish == "content_filter") answer.content_filtered = true;
    json::object message{
        {"role", "assistant"},
        {"content", parts.text.empty() && parts.called_function ? json::value(nullptr)
                                                                : json::value(parts.text)},
        {"refusal", nullptr}};
    if (parts.called_function) {
      for (auto& call : parts.tool_calls) call.get_object().erase("index");
      message["tool_calls"] = std::move(parts.tool_calls);
    }
    choices.push_back(json::object{{"index", candidate_index(candidate, position++)},
                                   {"message", std::move(message)},
                                   {"logprobs", nullptr},
                                   {"finish_reason", finish}});
  }
  json::object out{{"id", context.id},
                   {"object", "chat.completion"},
                   {"created", context.created},
                   {"model", context.model},
                   {"choices", std::move(choices)}};
  if (has_usage) out["usage"] = usage_json(answer.usage, total, reasoning);
  answer.body = json::serialize(out);
  answer.ok = true;
  return answer;
}

}  // namespace tollgate::routing::providers::gemini
