// Reading an OpenAI chat request for a translating dialect: the refusal (a 400 naming the
// field) and typed field readers with one set of rules for every dialect
// (tests/unit/routing/openai_request_test.cpp). Used while walking a Boost.JSON document;
// a refusal is thrown and caught once, where the dialect's translation starts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "gateway/core/response.h"

namespace tollgate::routing::providers::openai_request {

// Why a request cannot be translated: the OpenAI field at fault (a JSON path such as
// "messages[2].content[0]", or "" for the whole body) and a message naming it.
struct Refusal {
  std::string param;
  std::string message;
};

[[noreturn]] void refuse(std::string param, std::string message);
// "`param` is required".
[[noreturn]] void refuse_required(const std::string& param);

// The 400 invalid_request_error a client gets for a refusal.
core::Response refusal_response(std::string_view param, std::string_view message);

// Who translates, for the words of a refusal and the few rules that differ by design
// (docs/providers.md).
struct Dialect {
  std::string_view api;               // "Anthropic", "Gemini"
  bool ignores_message_name = false;  // a message's `name` is dropped, not refused
};

// "`param` is not supported by the {api} provider: {why}" (a default why when empty).
[[noreturn]] void no_equivalent(const Dialect& dialect, const std::string& param,
                                std::string_view why = {});

// JSON paths for messages: at("messages", 2) is "messages[2]"; dot("a", "b") is "a.b",
// and dot("", "b") is "b".
std::string at(std::string_view base, std::size_t index);
std::string dot(std::string_view base, std::string_view key);

inline std::string_view sv(const boost::json::string& s) {
  return {s.data(), s.size()};
}

// The body as a JSON object (depth-bounded), or a refusal with param "".
boost::json::value parse_request(std::string_view body);

// `object[key]` when present and not null (null means "the default" in OpenAI's API).
const boost::json::value* present(const boost::json::object& object, std::string_view key);
// present(), or a refusal "`{path}.{key}` is required" (`path` is the object's own).
const boost::json::value& required(const boost::json::object& object, std::string_view key,
                                   std::string_view path);

// Each reader refuses a value of another type with "`param` must be ...".
const boost::json::object& need_object(const boost::json::value& v, const std::string& param);
const boost::json::array& need_array(const boost::json::value& v, const std::string& param);
std::string_view need_string(const boost::json::value& v, const std::string& param);
bool need_bool(const boost::json::value& v, const std::string& param);
double need_number(const boost::json::value& v, const std::string& param);
// An integer as JSON Schema counts one: 5 and 5.0 are 5; 5.5, "5" and numbers past int64
// are refused. api.openai.com answers "139.75 is not of type 'integer'" for a fraction.
std::int64_t need_integer(const boost::json::value& v, const std::string& param);
// need_integer, and "`param` must be at least {min}" below it.
std::int64_t need_integer_at_least(const boost::json::value& v, const std::string& param,
                                   std::int64_t min);

// Fields a dialect without the feature accepts only at the value that changes nothing:
// n 1, logprobs and store false, top_logprobs and the penalties 0, logit_bias {},
// service_tier auto or default, modalities ["text"]. False for any other key.
bool is_neutral(std::string_view key, const boost::json::value& v);

// Hints for OpenAI's own storage and prompt cache (metadata, prompt_cache_key,
// prompt_cache_retention, prompt_cache_options): they do not change the answer, and a
// dialect ignores them (documented).
bool is_openai_bookkeeping(std::string_view key);

}  // namespace tollgate::routing::providers::openai_request
