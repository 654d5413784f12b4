#include "policies/pii/answer_body.h"

#include <boost/json.hpp>

#include "gateway/core/json_limits.h"

namespace tollgate::policies::pii {

namespace json = boost::json;

namespace {

// Scans `holder[key]` when it is a string; true when it changed, `blocked` set when a
// block finding cut it.
bool scan_field(json::object& holder, const char* key, AnswerScan& scan, bool& blocked) {
  json::value* value = holder.if_contains(key);
  if (value == nullptr || !value->is_string()) return false;
  json::string& text = value->get_string();
  std::string out;
  AnswerText acted = act_on_answer_text(std::string_view(text.data(), text.size()), scan, out);
  if (!acted.changed) return false;
  blocked = blocked || acted.blocked;
  text = out;
  return true;
}

// `content` as a string or as parts with `text`.
bool scan_content(json::object& holder, AnswerScan& scan, bool& blocked) {
  bool changed = scan_field(holder, "content", scan, blocked);
  json::value* parts = holder.if_contains("content");
  if (parts == nullptr || !parts->is_array()) return changed;
  for (json::value& part : parts->get_array()) {
    if (part.is_object()) changed = scan_field(part.get_object(), "text", scan, blocked) || changed;
  }
  return changed;
}

bool scan_tool_calls(json::object& holder, AnswerScan& scan, bool& blocked) {
  json::value* calls = holder.if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) return false;
  bool changed = false;
  for (json::value& call : calls->get_array()) {
    json::value* function = call.is_object() ? call.get_object().if_contains("function") : nullptr;
    if (function != nullptr && function->is_object())
      changed = scan_field(function->get_object(), "arguments", scan, blocked) || changed;
  }
  return changed;
}

// Chat completions (`message`) and completions (`text`).
bool scan_choices(json::array& choices, AnswerScan& scan) {
  bool changed = false;
  for (json::value& item : choices) {
    if (!item.is_object()) continue;
    json::object& choice = item.get_object();
    bool blocked = false;
    changed = scan_field(choice, "text", scan, blocked) || changed;
    if (json::value* message = choice.if_contains("message"); message && message->is_object()) {
      json::object& m = message->get_object();
      changed = scan_content(m, scan, blocked) || changed;
      changed = scan_field(m, "refusal", scan, blocked) || changed;
      changed = scan_tool_calls(m, scan, blocked) || changed;
    }
    if (blocked) choice["finish_reason"] = "content_filter";
  }
  return changed;
}

// A Responses answer's `output`: messages with text parts, function calls.
bool scan_output(json::object& response, json::array& output, AnswerScan& scan) {
  bool changed = false;
  bool blocked = false;
  for (json::value& item : output) {
    if (!item.is_object()) continue;
    json::object& o = item.get_object();
    changed = scan_content(o, scan, blocked) || changed;
    changed = scan_field(o, "arguments", scan, blocked) || changed;
  }
  if (blocked) {
    response["status"] = "incomplete";
    response["incomplete_details"] = json::object{{"reason", "content_filter"}};
  }
  return changed;
}

}  // namespace

bool scan_answer_part(json::object& part, AnswerScan& scan) {
  bool blocked = false;
  bool changed = scan_content(part, scan, blocked);
  for (const char* key : {"text", "refusal", "arguments"})
    changed = scan_field(part, key, scan, blocked) || changed;
  return changed;
}

bool scan_responses_object(json::object& response, AnswerScan& scan) {
  json::value* output = response.if_contains("output");
  return output != nullptr && output->is_array() &&
         scan_output(response, output->get_array(), scan);
}

bool scan_answer_body(std::string& body, AnswerScan& scan) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return false;
  json::object& answer = doc.get_object();
  bool changed = false;
  if (json::value* choices = answer.if_contains("choices"); choices && choices->is_array()) {
    changed = scan_choices(choices->get_array(), scan);
  } else if (json::value* output = answer.if_contains("output"); output && output->is_array()) {
    changed = scan_output(answer, output->get_array(), scan);
  }
  if (changed) body = json::serialize(doc);
  return changed;
}

}  // namespace tollgate::policies::pii
