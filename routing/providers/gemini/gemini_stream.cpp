#include "routing/providers/gemini/gemini_stream.h"

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"
#include "routing/providers/gemini/gemini_candidate.h"

namespace tollgate::routing::providers::gemini {

namespace json = boost::json;

StreamTranslator::StreamTranslator(AnswerContext context, bool include_usage)
    : context_(std::move(context)), include_usage_(include_usage) {}

std::string StreamTranslator::chunk_head() const {
  std::string out = R"({"id":)";
  core::append_json_string(out, context_.id);
  out += R"(,"object":"chat.completion.chunk","created":)";
  out += std::to_string(context_.created);
  out += R"(,"model":)";
  core::append_json_string(out, context_.model);
  return out;
}

std::string StreamTranslator::choice_chunk(int index, std::string_view delta_json,
                                           std::string_view finish_reason) const {
  std::string out = chunk_head();
  out += R"(,"choices":[{"index":)";
  out += std::to_string(index);
  out += R"(,"delta":)";
  out += delta_json;
  out += R"(,"logprobs":null,"finish_reason":)";
  if (finish_reason.empty()) {
    out += "null";
  } else {
    core::append_json_string(out, finish_reason);
  }
  out += "}]}";
  return out;
}

void StreamTranslator::on_event(std::string_view data, std::vector<std::string>& out) {
  if (error_) return;
  boost::system::error_code ec;
  json::value doc = json::parse(data, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return;  // not a GenerateContentResponse: nothing to say
  const json::object& response = doc.get_object();
  if (response.contains("error")) {
    error_ = map_error(500, data);
    return;
  }
  read_usage_metadata(response, usage_, total_tokens_, reasoning_tokens_);
  const json::array* candidates = candidates_of(response);
  if (candidates == nullptr || candidates->empty()) {
    std::string reason = block_reason(response);
    if (!reason.empty()) blocked_ = std::move(reason);
    return;
  }
  int position = 0;
  for (const auto& candidate_v : *candidates) {
    if (!candidate_v.is_object()) continue;
    const json::object& candidate = candidate_v.get_object();
    int index = candidate_index(candidate, position++);
    Choice& choice = choices_[index];
    if (!choice.started) {
      choice.started = true;
      out.push_back(choice_chunk(index, R"({"role":"assistant","content":""})", ""));
    }
    CandidateParts parts = read_parts(candidate, choice.tool_calls);
    if (!parts.text.empty()) {
      std::string delta = R"({"content":)";
      core::append_json_string(delta, parts.text);
      delta += "}";
      out.push_back(choice_chunk(index, delta, ""));
    }
    if (parts.called_function) {
      choice.tool_calls += static_cast<int>(parts.tool_calls.size());
      std::string delta = R"({"tool_calls":)" + json::serialize(parts.tool_calls) + "}";
      out.push_back(choice_chunk(index, delta, ""));
    }
    std::string reason = candidate_finish(candidate);
    if (!reason.empty()) choice.finish_reason = std::move(reason);
  }
}

void StreamTranslator::finish(std::vector<std::string>& out) {
  if (choices_.empty()) {
    choices_[0].started = true;
    out.push_back(choice_chunk(0, R"({"role":"assistant","content":""})", ""));
  }
  for (const auto& [index, choice] : choices_) {
    std::string_view reason = map_finish_reason(choice.finish_reason, choice.tool_calls > 0);
    if (reason == "content_filter") content_filtered_ = true;
    out.push_back(choice_chunk(index, "{}", reason));
  }
  if (include_usage_) {
    std::string chunk = chunk_head();
    chunk += R"(,"choices":[],"usage":)";
    chunk += json::serialize(usage_json(usage_, total_tokens_, reasoning_tokens_));
    chunk += "}";
    out.push_back(std::move(chunk));
  }
  out.push_back("[DONE]");
}

}  // namespace tollgate::routing::providers::gemini
