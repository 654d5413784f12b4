#include "routing/providers/anthropic/messages_extras.h"

#include <cstdint>

#include <boost/json.hpp>

#include "routing/providers/anthropic/anthropic_json.h"

namespace tollgate::routing::providers::anthropic {

namespace json = boost::json;

namespace {

const json::array* array_field(const json::object& o, std::string_view key) {
  const json::value* v = field(o, key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

std::size_t index_field(const json::object& o, std::string_view key) {
  std::int64_t at = int_field(o, key);
  return at > 0 ? static_cast<std::size_t>(at) : 0;
}

// `item` into `list` at `at`, or at its end when shorter.
void insert_at(json::array& list, std::size_t at, const json::value& item) {
  list.insert(list.begin() + static_cast<std::ptrdiff_t>(std::min(at, list.size())), item);
}

// The k-th message of `role`, its content as blocks.
json::array* turn_blocks(json::array& messages, std::string_view role, std::size_t k) {
  for (auto& item : messages) {
    json::object* message = item.if_object();
    if (message == nullptr || string_field(*message, "role").value_or("") != role) continue;
    if (k-- != 0) continue;
    json::value& content = (*message)["content"];
    if (content.is_string()) {
      json::string text = std::move(content.get_string());
      content = json::array{json::object{{"type", "text"}, {"text", std::move(text)}}};
    }
    return content.if_array();
  }
  return nullptr;
}

// The client's cache_control marks and citations back on the blocks, system blocks and
// tools they sat on.
void put_marks(json::object& body, const json::array& marks) {
  for (const auto& item : marks) {
    const json::object* mark = item.if_object();
    if (mark == nullptr) continue;
    std::string_view key = field(*mark, "cache_control") != nullptr ? "cache_control" : "citations";
    const json::value* value = field(*mark, key);
    if (value == nullptr) continue;
    std::string_view in = string_field(*mark, "in").value_or("");
    json::array* list = nullptr;
    if (in == "tools" || in == "system") {
      json::value* value = body.if_contains(in);
      if (value != nullptr && value->is_string()) {
        json::string text = std::move(value->get_string());
        *value = json::array{json::object{{"type", "text"}, {"text", std::move(text)}}};
      }
      list = value != nullptr ? value->if_array() : nullptr;
    } else if (json::value* messages = body.if_contains("messages");
               messages != nullptr && messages->is_array()) {
      list = turn_blocks(messages->get_array(), in, index_field(*mark, "turn"));
    }
    std::size_t at = index_field(*mark, "at");
    if (list != nullptr && at < list->size() && (*list)[at].is_object()) {
      (*list)[at].get_object()[key] = *value;
    }
  }
}

}  // namespace

std::string without_translated_extras(std::string_view openai_body, std::string_view extras) {
  auto kept = parse_object(extras);
  const json::value* fields = kept ? field(*kept, "fields") : nullptr;
  if (fields == nullptr || !fields->is_object() || !fields->get_object().contains("thinking")) {
    return std::string(openai_body);
  }
  auto body = parse_object(openai_body);
  if (!body || !body->contains("reasoning_effort")) return std::string(openai_body);
  body->erase("reasoning_effort");
  return to_json(*body);
}

std::string restore_extras(std::string_view messages_body, std::string_view extras) {
  auto kept = parse_object(extras);
  auto body = parse_object(messages_body);
  if (!kept || !body) return std::string(messages_body);
  if (const json::value* fields = field(*kept, "fields");
      fields != nullptr && fields->is_object()) {
    for (const auto& member : fields->get_object()) (*body)[member.key()] = member.value();
  }
  if (const json::array* tools = array_field(*kept, "tools"); tools != nullptr && !tools->empty()) {
    json::value& list = (*body)["tools"];
    if (!list.is_array()) list = json::array{};
    for (const auto& item : *tools) {
      if (!item.is_object()) continue;
      const json::value* tool = field(item.get_object(), "tool");
      if (tool != nullptr) insert_at(list.get_array(), index_field(item.get_object(), "at"), *tool);
    }
  }
  json::value* messages = body->if_contains("messages");
  const json::array* blocks = array_field(*kept, "blocks");
  if (blocks != nullptr && messages != nullptr && messages->is_array()) {
    for (const auto& item : *blocks) {
      if (!item.is_object()) continue;
      const json::object& kept_block = item.get_object();
      const json::value* block = field(kept_block, "block");
      json::array* turn =
          turn_blocks(messages->get_array(), string_field(kept_block, "role").value_or(""),
                      index_field(kept_block, "turn"));
      if (block != nullptr && turn != nullptr) {
        insert_at(*turn, index_field(kept_block, "at"), *block);
      }
    }
  }
  if (const json::array* marks = array_field(*kept, "marks")) put_marks(*body, *marks);
  return to_json(*body);
}

}  // namespace tollgate::routing::providers::anthropic
