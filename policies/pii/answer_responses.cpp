#include "policies/pii/answer_responses.h"

#include <boost/json.hpp>

#include "policies/pii/answer_body.h"

namespace tollgate::policies::pii {

namespace json = boost::json;

namespace {

struct DeltaKind {
  std::string_view delta_type;
  std::string_view done_type;
  const char* done_field;  // the whole text in the `.done` event
  bool arguments;
};

constexpr DeltaKind kKinds[] = {
    {"response.output_text.delta", "response.output_text.done", "text", false},
    {"response.refusal.delta", "response.refusal.done", "refusal", false},
    {"response.function_call_arguments.delta", "response.function_call_arguments.done", "arguments",
     true},
};

std::string_view type_of(const json::object& event) {
  const json::value* type = event.if_contains("type");
  return type != nullptr && type->is_string() ? std::string_view(type->get_string())
                                              : std::string_view();
}

std::int64_t index_of(const json::object& event, const char* key) {
  const json::value* v = event.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : -1;
}

}  // namespace

bool ResponsesEvents::is_responses_event(const json::object& event) {
  return type_of(event).starts_with("response.");
}

ResponsesEvents::Slot& ResponsesEvents::slot(const json::object& event, bool arguments) {
  std::int64_t output = index_of(event, "output_index");
  std::int64_t content = index_of(event, "content_index");
  for (Slot& s : slots_) {
    if (s.output == output && s.content == content && s.arguments == arguments) return s;
  }
  slots_.push_back({output, content, arguments, std::nullopt, {}, {}});
  Slot& s = slots_.back();
  if (scan_ != nullptr) s.scanner.emplace(hold_any_window_);
  for (const char* key : {"item_id", "output_index", "content_index"}) {
    if (const json::value* v = event.if_contains(key)) s.fields[key] = *v;
  }
  return s;
}

void ResponsesEvents::release(Slot& s, std::string& scanned, std::string& restored) {
  if (s.scanner) s.scanner->flush(*scan_, scanned);
  if (map_ == nullptr) {
    restored = scanned;
    return;
  }
  s.restorer.feed(scanned, *map_, restored);
  s.restorer.flush(restored);
}

ExtraEvent ResponsesEvents::delta_event(const Slot& s, const std::string& scanned,
                                        const std::string& restored) {
  std::string_view type = s.arguments ? kKinds[2].delta_type : kKinds[0].delta_type;
  json::object event{{"type", type}};
  for (const auto& field : s.fields) event[field.key()] = field.value();
  event["delta"] = restored;
  ExtraEvent out{std::string(type), json::serialize(event), {}};
  event["delta"] = scanned;
  out.audit_data = json::serialize(event);
  return out;
}

bool ResponsesEvents::scan_whole(json::object& event) {
  if (scan_ == nullptr) return false;
  AnswerScan repeat{scan_->scanner, scan_->policy, repeated_, {}};
  bool changed = false;
  for (const DeltaKind& kind : kKinds) {
    if (type_of(event) == kind.done_type) {
      std::string out;
      json::value* text = event.if_contains(kind.done_field);
      if (text != nullptr && text->is_string() &&
          act_on_answer_text(std::string_view(text->get_string()), repeat, out).changed) {
        *text = out;
        changed = true;
      }
    }
  }
  for (const char* key : {"part", "item"}) {
    json::value* v = event.if_contains(key);
    if (v != nullptr && v->is_object())
      changed = scan_answer_part(v->get_object(), repeat) || changed;
  }
  json::value* response = event.if_contains("response");
  if (response != nullptr && response->is_object()) {
    changed = scan_responses_object(response->get_object(), repeat) || changed;
  }
  return changed;
}

void ResponsesEvents::on_event(json::object& event, std::string& data, std::string* audit,
                               std::vector<ExtraEvent>& before) {
  std::string_view type = type_of(event);
  for (const DeltaKind& kind : kKinds) {
    if (type == kind.delta_type) {
      json::value* delta = event.if_contains("delta");
      if (delta == nullptr || !delta->is_string()) break;
      Slot& s = slot(event, kind.arguments);
      const std::string piece(delta->get_string());
      std::string scanned;
      if (s.scanner) {
        s.scanner->feed(piece, *scan_, scanned);
      } else {
        scanned.assign(piece);
      }
      std::string restored;
      if (map_ != nullptr) {
        s.restorer.feed(scanned, *map_, restored);
      } else {
        restored = scanned;
      }
      if (scanned != piece) *delta = scanned;
      if (audit != nullptr) *audit = scanned != piece ? json::serialize(event) : data;
      if (restored != piece) {
        *delta = restored;
        data = json::serialize(event);
      }
      return;
    }
    if (type == kind.done_type) {
      Slot& s = slot(event, kind.arguments);
      std::string scanned, restored;
      release(s, scanned, restored);
      if (!scanned.empty() || !restored.empty())
        before.push_back(delta_event(s, scanned, restored));
    }
  }
  bool changed = scan_whole(event);
  if (changed) data = json::serialize(event);
  if (audit != nullptr) *audit = data;
  if (map_ != nullptr) restore_placeholders_in_json(data, *map_);
}

void ResponsesEvents::flush(std::vector<ExtraEvent>& tail) {
  for (Slot& s : slots_) {
    std::string scanned, restored;
    release(s, scanned, restored);
    if (!scanned.empty() || !restored.empty()) tail.push_back(delta_event(s, scanned, restored));
  }
}

}  // namespace tollgate::policies::pii
