// One on-demand pass over the request body: every value is visited (so malformed JSON
// anywhere is caught), the fields the gateway acts on are kept, and the model token's
// byte range is recorded for splicing.
#include "gateway/core/request_json.h"

#include <simdjson.h>

#include "gateway/core/errors.h"

namespace tollgate::core {

namespace od = simdjson::ondemand;

namespace {

// Visits every value below `v`, adding string lengths to `chars` when counting.
void walk(od::value v, std::size_t* chars) {
  switch (v.type().value()) {
    case od::json_type::object:
      for (auto field : v.get_object()) {
        (void)field.unescaped_key().value();
        walk(field.value().value(), chars);
      }
      break;
    case od::json_type::array:
      for (auto element : v.get_array()) walk(element.value(), chars);
      break;
    case od::json_type::string: {
      std::string_view s = v.get_string().value();
      if (chars != nullptr) *chars += s.size();
      break;
    }
    case od::json_type::number:
      (void)v.get_number().value();
      break;
    case od::json_type::boolean:
      (void)v.get_bool().value();
      break;
    case od::json_type::null:
      if (!v.is_null()) throw simdjson::simdjson_error(simdjson::INCORRECT_TYPE);
      break;
  }
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

void ensure_json_padding(std::string& body) {
  if (body.capacity() < body.size() + kJsonPadding) {
    body.reserve(body.size() + kJsonPadding);
  }
}

JsonParseResult parse_request_json(std::string& body, RequestJson& out) {
  thread_local od::parser parser;
  out = RequestJson{};
  ensure_json_padding(body);
  try {
    od::document doc =
        parser.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity()));
    if (doc.type().value() != od::json_type::object) {
      // Still validate the rest so the message is about the right thing.
      return {false, "the request body must be a JSON object"};
    }
    out.is_object = true;
    for (auto field : doc.get_object()) {
      std::string_view key = field.unescaped_key().value();
      od::value value = field.value().value();
      if (key == "model") {
        if (value.type().value() != od::json_type::string) {
          walk(value, nullptr);
          return {false, "'model' must be a string"};
        }
        std::string_view token = trim_right(value.raw_json_token());
        out.model_range = {static_cast<std::size_t>(token.data() - body.data()), token.size()};
        out.model = std::string(value.get_string().value());
      } else if (key == "stream") {
        auto type = value.type().value();
        if (type == od::json_type::boolean) {
          out.stream = value.get_bool().value();
        } else {
          walk(value, nullptr);
          if (type != od::json_type::null) return {false, "'stream' must be a boolean"};
        }
      } else if (key == "stream_options") {
        out.has_stream_options = true;
        if (value.type().value() == od::json_type::object) {
          for (auto option : value.get_object()) {
            std::string_view option_key = option.unescaped_key().value();
            od::value option_value = option.value().value();
            if (option_key == "include_usage" &&
                option_value.type().value() == od::json_type::boolean) {
              out.include_usage = option_value.get_bool().value();
            } else {
              walk(option_value, nullptr);
            }
          }
        } else {
          walk(value, nullptr);
        }
      } else if (key == "max_tokens" || key == "max_completion_tokens") {
        if (value.type().value() == od::json_type::number) {
          out.max_tokens = value.get_int64().value();
        } else {
          walk(value, nullptr);
        }
      } else if (key == "messages") {
        out.has_messages = value.type().value() == od::json_type::array;
        walk(value, &out.prompt_chars);
      } else if (key == "prompt") {
        out.has_prompt = true;
        walk(value, &out.prompt_chars);
      } else if (key == "input") {
        out.has_input = true;
        walk(value, &out.prompt_chars);
      } else {
        walk(value, nullptr);
      }
    }
    // A location left after the root object means trailing content ("{} x").
    if (!doc.current_location().error()) {
      return {false, "unexpected content after the JSON object"};
    }
  } catch (const simdjson::simdjson_error& e) {
    out.is_object = false;
    return {false, std::string("invalid JSON in the request body: ") + e.what()};
  }
  return {true, {}};
}

std::string splice_request_body(std::string_view body, const RequestJson& json,
                                std::string_view new_model, bool add_include_usage) {
  std::string out;
  out.reserve(body.size() + new_model.size() + 48);
  std::size_t cursor = 0;
  if (add_include_usage) {
    // Right after the opening brace, so no other byte moves.
    std::size_t brace = body.find('{');
    out.append(body.substr(0, brace + 1));
    out += R"("stream_options":{"include_usage":true},)";
    cursor = brace + 1;
  }
  if (json.model) {
    out.append(body.substr(cursor, json.model_range.offset - cursor));
    append_json_string(out, new_model);
    cursor = json.model_range.offset + json.model_range.length;
  }
  out.append(body.substr(cursor));
  return out;
}

}  // namespace tollgate::core
