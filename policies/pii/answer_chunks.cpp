#include "policies/pii/answer_chunks.h"

#include <algorithm>

#include <boost/json.hpp>

#include "gateway/core/json_limits.h"
#include "gateway/core/response.h"

namespace tollgate::policies::pii {

namespace json = boost::json;

namespace {

constexpr const char* kTextKeys[] = {"content", "refusal", "text"};
constexpr int kArguments = 3;

std::int64_t index_of(const json::object& item, std::int64_t otherwise) {
  const json::value* index = item.if_contains("index");
  return index != nullptr && index->is_int64() ? index->as_int64() : otherwise;
}

// A choice's delta; a completion's choice holds `text` itself.
json::object& delta_of(json::object& choice) {
  json::value* delta = choice.if_contains("delta");
  return delta != nullptr && delta->is_object() ? delta->get_object() : choice;
}

// The `arguments` of tool call `tool` in `delta`, made when the delta has none (in index
// order among the calls, so that a client reading them in turn meets it first).
json::value& arguments_of(json::object& delta, std::int64_t tool) {
  json::value& calls = delta["tool_calls"];
  if (!calls.is_array()) calls = json::array();
  json::array& list = calls.get_array();
  auto at = list.end();
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (!it->is_object()) continue;
    std::int64_t index = index_of(it->get_object(), -1);
    if (index == tool) {
      json::value& function = it->get_object()["function"];
      if (!function.is_object()) function = json::object();
      return function.get_object()["arguments"];
    }
    if (index > tool && at == list.end()) at = it;
  }
  at = list.insert(at, json::object{{"index", tool}, {"function", json::object{}}});
  return at->get_object()["function"].get_object()["arguments"];
}

// The delta opens a new block of the answer (an Anthropic client's: core::kDialectMember).
bool starts_block(const json::object& delta) {
  const json::value* member = delta.if_contains(core::kDialectMember);
  return member != nullptr && member->is_object() && member->get_object().contains("start");
}

// The first tool call a delta carries, if any.
std::optional<std::int64_t> first_tool(const json::object& delta) {
  const json::value* calls = delta.if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) return std::nullopt;
  std::optional<std::int64_t> first;
  std::int64_t position = 0;
  for (const json::value& call : calls->get_array()) {
    if (!call.is_object()) continue;
    std::int64_t index = index_of(call.get_object(), position++);
    if (!first || index < *first) first = index;
  }
  return first;
}

bool finishes(const json::object& choice) {
  const json::value* finish = choice.if_contains("finish_reason");
  return finish != nullptr && !finish->is_null();
}

}  // namespace

AnswerChunks::Slot& AnswerChunks::slot(std::int64_t choice, int field, std::int64_t tool) {
  for (Slot& s : slots_) {
    if (s.choice == choice && s.field == field && s.tool == tool) return s;
  }
  slots_.push_back({choice, field, tool, std::nullopt, {}});
  if (scan_ != nullptr) slots_.back().scanner.emplace(hold_any_window_);
  return slots_.back();
}

bool AnswerChunks::blocked(std::int64_t choice) const {
  return std::find(blocked_.begin(), blocked_.end(), choice) != blocked_.end();
}

bool AnswerChunks::step_text(json::object& holder, const char* key, Slot& s, Step step,
                             bool finishing) {
  json::value* value = holder.if_contains(key);
  if (value == nullptr || !value->is_string()) return false;
  json::string& text = value->get_string();
  std::string_view piece(text.data(), text.size());
  std::string out;
  if (step == Step::scan) {
    s.scanner->feed(piece, *scan_, out);
    if (finishing) s.scanner->flush(*scan_, out);
  } else {
    s.restorer.feed(piece, *map_, out);
  }
  if (std::string_view(out) == piece) return false;
  text = out;
  return true;
}

bool AnswerChunks::release_choice(json::object& delta, std::int64_t choice, Step step,
                                  std::optional<std::int64_t> before_tool) {
  bool changed = false;
  for (Slot& s : slots_) {
    if (s.choice != choice) continue;
    if (before_tool && s.field == kArguments && s.tool >= *before_tool) continue;
    std::string held;
    if (step == Step::scan) {
      s.scanner->flush(*scan_, held);
    } else {
      s.restorer.flush(held);
    }
    if (held.empty()) continue;
    json::value& value =
        s.field == kArguments ? arguments_of(delta, s.tool) : delta[kTextKeys[s.field]];
    if (!value.is_string()) value = json::string();
    value.get_string().append(held);
    changed = true;
  }
  return changed;
}

bool AnswerChunks::pass(json::array& choices, Step step) {
  bool changed = false;
  std::int64_t position = 0;
  for (auto item = choices.begin(); item != choices.end();) {
    if (!item->is_object()) {
      ++item;
      continue;
    }
    json::object& choice_object = item->get_object();
    std::int64_t choice = index_of(choice_object, position++);
    if (step == Step::scan && blocked(choice)) {  // it ended with content_filter
      item = choices.erase(item);
      changed = true;
      continue;
    }
    json::object& delta = delta_of(choice_object);
    bool finishing = finishes(choice_object);
    for (int field = 0; field < 3; ++field) {
      changed =
          step_text(delta, kTextKeys[field], slot(choice, field, -1), step, finishing) || changed;
    }
    if (json::value* calls = delta.if_contains("tool_calls"); calls && calls->is_array()) {
      std::int64_t call_position = 0;
      for (json::value& call : calls->get_array()) {
        if (!call.is_object()) continue;
        std::int64_t tool = index_of(call.get_object(), call_position++);
        json::value* function = call.get_object().if_contains("function");
        if (function == nullptr || !function->is_object()) continue;
        changed = step_text(function->get_object(), "arguments", slot(choice, kArguments, tool),
                            step, finishing) ||
                  changed;
      }
    }
    if (finishing || starts_block(delta)) {
      changed = release_choice(delta, choice, step) || changed;
    } else if (auto tool = first_tool(delta)) {
      // A tool call goes on: the texts before it (the content, earlier calls' arguments)
      // are over, and what they hold is released now, before it, so that a client that
      // builds its answer block by block (Anthropic's) gets each text in its own block.
      changed = release_choice(delta, choice, step, *tool) || changed;
    }
    if (step == Step::scan) {
      bool hit = std::any_of(slots_.begin(), slots_.end(), [&](const Slot& s) {
        return s.choice == choice && s.scanner->blocked();
      });
      if (hit) {
        blocked_.push_back(choice);
        choice_object["finish_reason"] = "content_filter";
        changed = true;
      }
    }
    ++item;
  }
  return changed;
}

void AnswerChunks::on_chunk(std::string& data, std::string* audit,
                            std::vector<ExtraEvent>* before) {
  boost::system::error_code ec;
  json::value doc = json::parse(data, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) {
    if (audit != nullptr) *audit = data;
    return;
  }
  json::object& chunk = doc.get_object();
  if (before != nullptr && ResponsesEvents::is_responses_event(chunk)) {
    responses_.on_event(chunk, data, audit, *before);
    return;
  }
  json::value* choices = chunk.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) {
    if (audit != nullptr) *audit = data;
    return;
  }
  for (const char* key : {"id", "object", "created", "model"}) {
    if (const json::value* v = chunk.if_contains(key)) last_[key] = *v;
  }
  bool changed = scan_ != nullptr && pass(choices->get_array(), Step::scan);
  if (audit != nullptr) *audit = changed ? json::serialize(doc) : data;
  if (map_ != nullptr) changed = pass(choices->get_array(), Step::restore) || changed;
  if (changed) data = json::serialize(doc);
}

void AnswerChunks::drain(Slot& s, std::string& scanned, std::string& restored) {
  if (s.scanner) {
    s.scanner->flush(*scan_, scanned);
  }
  if (map_ != nullptr) {
    s.restorer.feed(scanned, *map_, restored);
    s.restorer.flush(restored);
  } else {
    restored = scanned;
  }
}

void AnswerChunks::flush(std::vector<std::string>& chunks, std::vector<std::string>* audit,
                         std::vector<ExtraEvent>* responses_tail) {
  if (responses_tail != nullptr) responses_.flush(*responses_tail);
  for (Slot& s : slots_) {
    if (blocked(s.choice)) continue;
    std::string scanned, restored;
    drain(s, scanned, restored);
    bool ends_blocked = s.scanner && s.scanner->blocked();
    if (restored.empty() && !ends_blocked) continue;
    auto chunk_of = [&](const std::string& text) {
      json::object delta;
      if (s.field == kArguments) {
        delta["tool_calls"] = json::array{
            json::object{{"index", s.tool}, {"function", json::object{{"arguments", text}}}}};
      } else {
        delta[kTextKeys[s.field]] = text;
      }
      json::object chunk = last_;
      json::value finish = ends_blocked ? json::value("content_filter") : json::value(nullptr);
      chunk["choices"] = json::array{json::object{
          {"index", s.choice}, {"delta", std::move(delta)}, {"finish_reason", finish}}};
      return json::serialize(chunk);
    };
    if (ends_blocked) blocked_.push_back(s.choice);
    if (audit != nullptr) audit->push_back(chunk_of(scanned));
    chunks.push_back(chunk_of(restored));
  }
}

}  // namespace tollgate::policies::pii
