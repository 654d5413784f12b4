#include "policies/pii/chunk_restorer.h"

#include <boost/json.hpp>

#include "gateway/core/json_limits.h"

namespace tollgate::policies::pii {

namespace json = boost::json;

namespace {

constexpr const char* kTextKeys[] = {"content", "refusal", "text"};
constexpr int kArguments = 3;

std::int64_t index_of(const json::object& item, std::int64_t otherwise) {
  const json::value* index = item.if_contains("index");
  return index != nullptr && index->is_int64() ? index->as_int64() : otherwise;
}

}  // namespace

StreamRestorer& ChunkRestorer::slot(std::int64_t choice, int field, std::int64_t tool) {
  for (Slot& s : slots_) {
    if (s.choice == choice && s.field == field && s.tool == tool) return s.restorer;
  }
  slots_.push_back({choice, field, tool, {}});
  return slots_.back().restorer;
}

bool ChunkRestorer::restore(json::object& holder, const char* key, std::int64_t choice, int field,
                            std::int64_t tool) {
  json::value* value = holder.if_contains(key);
  if (value == nullptr || !value->is_string()) return false;
  json::string& text = value->get_string();
  std::string out;
  slot(choice, field, tool).feed(std::string_view(text.data(), text.size()), map_, out);
  if (out.size() == text.size() && std::string_view(text) == out) return false;
  text = out;
  return true;
}

bool ChunkRestorer::release_choice(json::object& delta, std::int64_t choice) {
  bool changed = false;
  for (Slot& s : slots_) {
    if (s.choice != choice || !s.restorer.holds() || s.field == kArguments) continue;
    std::string held;
    s.restorer.flush(held);
    json::value& value = delta[kTextKeys[s.field]];
    if (!value.is_string()) value = json::string();
    value.get_string().append(held);
    changed = true;
  }
  return changed;
}

void ChunkRestorer::on_chunk(std::string& data) {
  boost::system::error_code ec;
  json::value doc = json::parse(data, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return;
  json::object& chunk = doc.get_object();
  json::value* choices = chunk.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return;
  for (const char* key : {"id", "object", "created", "model"}) {
    if (const json::value* v = chunk.if_contains(key)) last_[key] = *v;
  }
  bool changed = false;
  std::int64_t position = 0;
  for (json::value& item : choices->get_array()) {
    if (!item.is_object()) continue;
    json::object& choice_object = item.get_object();
    std::int64_t choice = index_of(choice_object, position++);
    json::value* delta_value = choice_object.if_contains("delta");
    json::object* delta = delta_value != nullptr && delta_value->is_object()
                              ? &delta_value->get_object()
                              : &choice_object;  // a completion's choice holds `text` itself
    for (int field = 0; field < 3; ++field) {
      changed = restore(*delta, kTextKeys[field], choice, field, -1) || changed;
    }
    if (json::value* calls = delta->if_contains("tool_calls"); calls && calls->is_array()) {
      std::int64_t call_position = 0;
      for (json::value& call : calls->get_array()) {
        if (!call.is_object()) continue;
        std::int64_t tool = index_of(call.get_object(), call_position++);
        json::value* function = call.get_object().if_contains("function");
        if (function == nullptr || !function->is_object()) continue;
        changed = restore(function->get_object(), "arguments", choice, kArguments, tool) || changed;
      }
    }
    const json::value* finish = choice_object.if_contains("finish_reason");
    if (finish != nullptr && !finish->is_null())
      changed = release_choice(*delta, choice) || changed;
  }
  if (changed) data = json::serialize(doc);
}

void ChunkRestorer::flush(std::vector<std::string>& chunks) {
  for (Slot& s : slots_) {
    if (!s.restorer.holds()) continue;
    std::string held;
    s.restorer.flush(held);
    json::object delta;
    if (s.field == kArguments) {
      delta["tool_calls"] = json::array{
          json::object{{"index", s.tool}, {"function", json::object{{"arguments", held}}}}};
    } else {
      delta[kTextKeys[s.field]] = held;
    }
    json::object chunk = last_;
    chunk["choices"] = json::array{
        json::object{{"index", s.choice}, {"delta", std::move(delta)}, {"finish_reason", nullptr}}};
    chunks.push_back(json::serialize(chunk));
  }
}

}  // namespace tollgate::policies::pii
