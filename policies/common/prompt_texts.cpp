#include "policies/common/prompt_texts.h"

#include <algorithm>

#include <simdjson.h>

namespace tollgate::policies {

namespace od = simdjson::ondemand;

namespace {

// The walk stops when the visitor says so; an exception carries it out of nested loops.
struct Stop {};

core::ByteRange token_range(std::string_view token, const std::string& body) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  return {static_cast<std::size_t>(token.data() - body.data()), token.size()};
}

class Walk {
 public:
  Walk(const std::string& body, TextVisitor& visitor) : body_(body), visitor_(visitor) {}

  // A string value becomes a text; anything else is not one.
  void text_value(od::value value, const TextPlace& place, bool tool) {
    if (value.type().value() != od::json_type::string) return;
    PromptText text;
    text.token = token_range(value.raw_json_token(), body_);
    text.text = value.get_string().value();
    text.place = place;
    text.tool = tool;
    if (!visitor_.text(text)) throw Stop{};
  }

  // `content` (or `output`): a string, or parts of which the text ones are read.
  void content(od::value value, TextPlace place, bool tool) {
    auto type = value.type().value();
    if (type == od::json_type::string) return text_value(value, place, tool);
    if (type != od::json_type::array) return;
    place.part = 0;
    for (auto element : value.get_array()) {
      od::value part = element.value();
      if (part.type().value() == od::json_type::object) {
        od::object object = part.get_object().value();
        std::string_view kind;
        if (auto t = object.find_field_unordered("type"); !t.error()) {
          if (t.type().value() == od::json_type::string) kind = t.get_string().value();
        }
        // text (chat), input_text / output_text (Responses), a tool result's parts.
        if (kind == "text" || kind == "input_text" || kind == "output_text") {
          if (auto t = object.find_field_unordered("text"); !t.error()) {
            text_value(t.value(), place, tool);
          }
        }
      } else if (part.type().value() == od::json_type::string) {
        text_value(part, place, tool);  // a list of plain strings, as some clients send
      }
      ++place.part;
    }
  }

  // One message of `messages`, or one item of a Responses `input`.
  void item(od::value value, TextPlace place) {
    if (!visitor_.item(place)) throw Stop{};
    if (value.type().value() != od::json_type::object) return;
    od::object object = value.get_object().value();
    std::string_view role, kind;
    if (auto r = object.find_field_unordered("role"); !r.error()) {
      if (r.type().value() == od::json_type::string) role = r.get_string().value();
    }
    if (auto t = object.find_field_unordered("type"); !t.error()) {
      if (t.type().value() == od::json_type::string) kind = t.get_string().value();
    }
    bool tool = role == "tool" || role == "function" || kind == "function_call_output";
    if (auto c = object.find_field_unordered("content"); !c.error()) {
      place.member = "content";
      content(c.value(), place, tool);
    }
    if (kind == "function_call_output") {
      if (auto o = object.find_field_unordered("output"); !o.error()) {
        place.member = "output";
        place.part = TextPlace::kNone;
        content(o.value(), place, true);
      }
    }
  }

  // `messages`, `prompt` or `input`: a string, or a list of strings or items.
  void field(od::value value, TextPlace::Field field) {
    TextPlace place;
    place.field = field;
    auto type = value.type().value();
    if (type == od::json_type::string) return text_value(value, place, false);
    if (type != od::json_type::array) return;
    place.item = 0;
    for (auto element : value.get_array()) {
      od::value v = element.value();
      if (field == TextPlace::Field::messages || v.type().value() == od::json_type::object) {
        item(v, place);
      } else {
        text_value(v, place, false);  // prompt or input strings (token arrays are skipped)
      }
      ++place.item;
    }
  }

 private:
  const std::string& body_;
  TextVisitor& visitor_;
};

void append_index(std::string& out, std::size_t index) {
  out.push_back('[');
  out += std::to_string(index);
  out.push_back(']');
}

}  // namespace

std::string_view field_name(TextPlace::Field field) {
  static constexpr std::string_view kNames[] = {"messages", "prompt", "input", "instructions"};
  return kNames[static_cast<std::size_t>(field)];
}

std::string item_param_of(const TextPlace& place) {
  std::string out(field_name(place.field));
  if (place.item != TextPlace::kNone) append_index(out, place.item);
  if (!place.member.empty()) {
    out.push_back('.');
    out.append(place.member);
  }
  return out;
}

std::string param_of(const TextPlace& place) {
  std::string out = item_param_of(place);
  if (place.part != TextPlace::kNone) {
    append_index(out, place.part);
    out += ".text";
  }
  return out;
}

WalkResult walk_prompt_texts(const std::string& body, TextVisitor& visitor) {
  thread_local od::parser parser;
  Walk walk(body, visitor);
  try {
    od::document doc =
        parser.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity()));
    for (auto member : doc.get_object()) {
      std::string_view key = member.unescaped_key().value();
      if (key == "messages") {
        walk.field(member.value().value(), TextPlace::Field::messages);
      } else if (key == "prompt") {
        walk.field(member.value().value(), TextPlace::Field::prompt);
      } else if (key == "input") {
        walk.field(member.value().value(), TextPlace::Field::input);
      } else if (key == "instructions") {
        TextPlace place;
        place.field = TextPlace::Field::instructions;
        walk.text_value(member.value().value(), place, false);
      }
    }
  } catch (const Stop&) {
    return WalkResult::stopped;
  } catch (const simdjson::simdjson_error&) {
    return WalkResult::unreadable;
  }
  return WalkResult::done;
}

void splice_tokens(const std::string& body, std::vector<TokenEdit>& edits, std::string& out) {
  std::sort(edits.begin(), edits.end(),
            [](const TokenEdit& a, const TokenEdit& b) { return a.token.offset < b.token.offset; });
  std::size_t added = 0;
  for (const TokenEdit& edit : edits) added += edit.literal.size();
  out.clear();
  out.reserve(body.size() + added + core::kJsonPadding);
  std::size_t cursor = 0;
  for (const TokenEdit& edit : edits) {
    out.append(body, cursor, edit.token.offset - cursor);
    out.append(edit.literal);
    cursor = edit.token.offset + edit.token.length;
  }
  out.append(body, cursor, std::string::npos);
}

}  // namespace tollgate::policies
