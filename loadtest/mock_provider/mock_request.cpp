// Reads the request body with simdjson (on-demand), counting prompt words as tokens.
#include "loadtest/mock_provider/mock_request.h"

#include <simdjson.h>

namespace tollgate::mock {

namespace od = simdjson::ondemand;

std::int64_t count_words(std::string_view s) {
  std::int64_t words = 0;
  bool in_word = false;
  for (char c : s) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

namespace {

void count(od::value v, std::int64_t& words) {
  switch (v.type().value()) {
    case od::json_type::string:
      words += count_words(v.get_string().value());
      break;
    case od::json_type::array:
      for (auto e : v.get_array()) count(e.value(), words);
      break;
    case od::json_type::object:
      for (auto f : v.get_object()) {
        std::string_view key = f.unescaped_key().value();
        od::value inner = f.value().value();
        // Unread values are skipped by simdjson when the loop moves on.
        if (key == "role" || key == "type" || key == "name") continue;
        count(inner, words);
      }
      break;
    default:
      break;
  }
}

}  // namespace

RequestFacts read_request_body(std::string& body) {
  thread_local od::parser parser;
  RequestFacts facts;
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  }
  try {
    od::document doc =
        parser.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity()));
    for (auto field : doc.get_object()) {
      std::string_view key = field.unescaped_key().value();
      od::value value = field.value().value();
      if (key == "model") {
        facts.model = std::string(value.get_string().value());
      } else if (key == "stream") {
        facts.stream = value.get_bool().value();
      } else if (key == "stream_options") {
        for (auto o : value.get_object()) {
          if (o.unescaped_key().value() == "include_usage") {
            facts.include_usage = o.value().get_bool().value();
          }
        }
      } else if (key == "messages" || key == "prompt") {
        count(value, facts.prompt_tokens);
      } else if (key == "input") {
        if (value.type().value() == od::json_type::array) {
          od::array inputs = value.get_array().value();
          facts.inputs = 0;
          for (auto e : inputs) {
            ++facts.inputs;
            od::value item = e.value();
            if (item.type().value() == od::json_type::string) {
              std::string_view text = item.get_string().value();
              if (facts.texts.size() < 64) facts.texts.emplace_back(text.substr(0, 65536));
              facts.prompt_tokens += count_words(text);
            } else {
              count(item, facts.prompt_tokens);
            }
          }
        } else if (value.type().value() == od::json_type::string) {
          std::string_view text = value.get_string().value();
          facts.texts.emplace_back(text.substr(0, 65536));
          facts.prompt_tokens += count_words(text);
        } else {
          count(value, facts.prompt_tokens);
        }
      } else if (key == "dimensions") {
        facts.dimensions = static_cast<std::size_t>(value.get_uint64().value());
      } else if (key == "encoding_format") {
        facts.base64 = value.get_string().value() == "base64";
      }
    }
    facts.valid_json = true;
  } catch (const simdjson::simdjson_error&) {
    facts.valid_json = false;
  }
  if (facts.prompt_tokens == 0) facts.prompt_tokens = 1;
  if (facts.dimensions == 0 || facts.dimensions > 4096) facts.dimensions = 64;
  return facts;
}

}  // namespace tollgate::mock
