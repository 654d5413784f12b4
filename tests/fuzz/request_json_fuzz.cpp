// The request body reader (gateway/core/request_json.cpp) runs on every client body
// before authentication. Beyond "never crashes", the fields the gateway acts on must be
// what the document says: a body it accepts is valid JSON to an independent parser
// (Boost.JSON), the values it read agree with simdjson's DOM reading of the same bytes
// wherever a key appears once, and splicing in a new model changes nothing else.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/request_json.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace dom = simdjson::dom;
using tollgate::core::RequestJson;

bool is_valid_json(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = 1 << 20;  // validity only: the gateway's own depth cap is not this test's
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(text, ec, {}, options);
  // Boost.JSON refuses exponents beyond its integer range (0e99999999999999999999), which
  // RFC 8259 allows: that difference is Boost's (the DOM check below covers the rest).
  return !ec || ec == boost::json::error::exponent_overflow;
}

// Characters of every string value below `root` (keys not counted), as the gateway
// estimates prompts. Iterative: a deep document must not overflow this checker's stack.
std::size_t string_chars(dom::element root) {
  std::size_t chars = 0;
  std::vector<dom::element> todo{root};
  while (!todo.empty()) {
    dom::element e = todo.back();
    todo.pop_back();
    switch (e.type()) {
      case dom::element_type::ARRAY:
        for (dom::element child : dom::array(e)) todo.push_back(child);
        break;
      case dom::element_type::OBJECT:
        for (dom::key_value_pair field : dom::object(e)) todo.push_back(field.value);
        break;
      case dom::element_type::STRING:
        chars += std::string_view(e).size();
        break;
      default:
        break;
    }
  }
  return chars;
}

struct TopLevel {
  dom::object object;
  std::size_t count(std::string_view key) const {
    std::size_t n = 0;
    for (dom::key_value_pair field : object) n += field.key == key;
    return n;
  }
  dom::element get(std::string_view key) const {
    for (dom::key_value_pair field : object) {
      if (field.key == key) return field.value;
    }
    return {};
  }
};

// The gateway's reading against the DOM's, for keys that appear once.
void check_against_dom(const std::string& body, const RequestJson& json) {
  thread_local dom::parser parser;
  dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) {
    // The DOM has its own depth limit (1024); anything else it refuses, the gateway must too.
    FUZZ_CHECK(parser.parse(body).error() == simdjson::DEPTH_ERROR);
    return;
  }
  FUZZ_CHECK(doc.is_object());
  TopLevel top{dom::object(doc)};

  if (top.count("model") == 0) FUZZ_CHECK(!json.model);
  if (top.count("model") == 1) {
    FUZZ_CHECK(json.model && *json.model == std::string_view(top.get("model")));
    std::string_view token =
        std::string_view(body).substr(json.model_range.offset, json.model_range.length);
    FUZZ_CHECK(token.size() >= 2 && token.front() == '"' && token.back() == '"');
  }
  if (top.count("stream") == 0) FUZZ_CHECK(!json.stream);
  if (top.count("stream") == 1 && top.get("stream").is_bool()) {
    FUZZ_CHECK(json.stream == bool(top.get("stream")));
  }
  std::size_t max_keys =
      top.count("max_tokens") + top.count("max_completion_tokens") + top.count("max_output_tokens");
  if (max_keys == 0) FUZZ_CHECK(!json.max_tokens);
  if (max_keys == 1) {
    dom::element v = top.count("max_tokens")              ? top.get("max_tokens")
                     : top.count("max_completion_tokens") ? top.get("max_completion_tokens")
                                                          : top.get("max_output_tokens");
    if (v.is_int64()) FUZZ_CHECK(json.max_tokens && *json.max_tokens == int64_t(v));
    if (!v.is_number()) FUZZ_CHECK(!json.max_tokens);
  }
  if (top.count("stream_options") == 0) {
    FUZZ_CHECK(!json.has_stream_options && !json.include_usage);
  }
  if (top.count("stream_options") == 1) {
    dom::element options = top.get("stream_options");
    // null is accepted as "no options"; anything but an object or null is refused.
    FUZZ_CHECK(json.has_stream_options == options.is_object());
    if (options.is_object()) {
      TopLevel inner{dom::object(options)};
      if (inner.count("include_usage") == 0) FUZZ_CHECK(!json.include_usage);
      if (inner.count("include_usage") == 1 && inner.get("include_usage").is_bool()) {
        FUZZ_CHECK(json.include_usage == bool(inner.get("include_usage")));
      }
    } else {
      FUZZ_CHECK(!json.include_usage);
    }
  }
  if (top.count("messages") == 1) {
    FUZZ_CHECK(json.has_messages == top.get("messages").is_array());
  }
  FUZZ_CHECK(json.has_prompt == (top.count("prompt") > 0));
  FUZZ_CHECK(json.has_input == (top.count("input") > 0));
  if (top.count("messages") <= 1 && top.count("prompt") <= 1 && top.count("input") <= 1 &&
      top.count("instructions") <= 1) {
    std::size_t chars = 0;
    for (const char* key : {"messages", "prompt", "input", "instructions"}) {
      if (top.count(key) == 1) chars += string_chars(top.get(key));
    }
    FUZZ_CHECK(json.prompt_chars == chars);
  }
}

// What a spliced body reads as: the same request, but for the model (and
// stream_options.include_usage when it was forced).
void check_splice(const std::string& body, const RequestJson& json, bool add_include_usage) {
  const std::string_view new_model = "fuzz/\"model\"\\\xc3\xa9";
  std::string spliced =
      tollgate::core::splice_request_body(body, json, new_model, add_include_usage);
  RequestJson again;
  FUZZ_CHECK(tollgate::core::parse_request_json(spliced, again).ok);
  FUZZ_CHECK(again.model == std::string(new_model));
  FUZZ_CHECK(again.stream == json.stream);
  FUZZ_CHECK(again.max_tokens == json.max_tokens);
  FUZZ_CHECK(again.has_messages == json.has_messages);
  FUZZ_CHECK(again.has_prompt == json.has_prompt);
  FUZZ_CHECK(again.has_input == json.has_input);
  FUZZ_CHECK(again.prompt_chars == json.prompt_chars);
  if (add_include_usage) {
    FUZZ_CHECK(again.has_stream_options && again.include_usage);
  } else {
    FUZZ_CHECK(again.has_stream_options == json.has_stream_options);
    FUZZ_CHECK(again.include_usage == json.include_usage);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  RequestJson json;
  auto result = tollgate::core::parse_request_json(body, json);
  // parse_request_json may grow the capacity for simdjson's padding, never the bytes.
  FUZZ_CHECK(body == std::string_view(reinterpret_cast<const char*>(data), size));
  if (!result.ok) {
    FUZZ_CHECK(!result.error.empty());
    return 0;
  }
  FUZZ_CHECK(json.is_object);
  FUZZ_CHECK(is_valid_json(body));
  if (json.model) {
    FUZZ_CHECK(json.model_range.offset + json.model_range.length <= body.size());
  }
  check_against_dom(body, json);
  if (json.model) {
    check_splice(body, json, false);
    // Usage is forced on whatever stream_options the client sent.
    check_splice(body, json, true);
  }
  return 0;
}
