// JSON checks for the translator harnesses: whatever the gateway sends a client or a
// provider must parse (Boost.JSON's own depth limit lifted: the gateway's limits are not
// what this checks), and have the shape its reader expects.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/response.h"
#include "tests/fuzz/fuzz_support.h"

namespace tollgate::fuzz {

inline std::optional<boost::json::value> parse_json(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = 1 << 20;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec, {}, options);
  if (ec) return std::nullopt;
  return value;
}

// A JSON object, or the run stops with the text that was not one.
inline boost::json::object json_object_or_fail(std::string_view text, const char* what) {
  std::optional<boost::json::value> value = parse_json(text);
  if (!value || !value->is_object()) {
    std::fprintf(stderr, "\n%s is not a JSON object: %.*s\n", what, static_cast<int>(text.size()),
                 text.data());
    FUZZ_CHECK(!"the gateway's JSON output parses");
  }
  return value->as_object();
}

// An error the gateway answers: a 4xx or 5xx status and OpenAI's {"error":{...}}.
inline void check_openai_error(const core::Response& response, const char* what) {
  FUZZ_CHECK(response.status >= 400 && response.status <= 599);
  boost::json::object body = json_object_or_fail(response.body, what);
  FUZZ_CHECK(body.contains("error") && body.at("error").is_object());
}

// The payloads of a translated stream: chat.completion.chunk objects, and "[DONE]" at
// most once, last. Returns whether "[DONE]" came.
inline bool check_chunk_stream(const std::vector<std::string>& sent) {
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (sent[i] == "[DONE]") {
      FUZZ_CHECK(i + 1 == sent.size());
      return true;
    }
    boost::json::object chunk = json_object_or_fail(sent[i], "a chat.completion.chunk");
    FUZZ_CHECK(chunk.at("object") == "chat.completion.chunk");
  }
  return false;
}

}  // namespace tollgate::fuzz
