#include "routing/providers/common/openai_request_fields.h"

#include <cmath>

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"

namespace tollgate::routing::providers::openai_request {

namespace json = boost::json;

void refuse(std::string param, std::string message) {
  throw Refusal{std::move(param), std::move(message)};
}

void refuse_required(const std::string& param) {
  refuse(param, "`" + param + "` is required");
}

core::Response refusal_response(std::string_view param, std::string_view message) {
  return core::error_response(core::ErrorKind::invalid_request, message, param);
}

void no_equivalent(const Dialect& dialect, const std::string& param, std::string_view why) {
  std::string message =
      "`" + param + "` is not supported by the " + std::string(dialect.api) + " provider: ";
  if (why.empty()) {
    message += "it has no equivalent in the " + std::string(dialect.api) + " API";
  } else {
    message += why;
  }
  refuse(param, std::move(message));
}

std::string at(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

std::string dot(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  return std::string(base) + "." + std::string(key);
}

json::value parse_request(std::string_view body) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) refuse("", "the request body must be a JSON object");
  return doc;
}

const json::value* present(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

const json::value& required(const json::object& object, std::string_view key,
                            std::string_view path) {
  const json::value* v = present(object, key);
  if (v == nullptr) refuse_required(dot(path, key));
  return *v;
}

const json::object& need_object(const json::value& v, const std::string& param) {
  if (!v.is_object()) refuse(param, "`" + param + "` must be an object");
  return v.get_object();
}

const json::array& need_array(const json::value& v, const std::string& param) {
  if (!v.is_array()) refuse(param, "`" + param + "` must be an array");
  return v.get_array();
}

std::string_view need_string(const json::value& v, const std::string& param) {
  if (!v.is_string()) refuse(param, "`" + param + "` must be a string");
  return sv(v.get_string());
}

bool need_bool(const json::value& v, const std::string& param) {
  if (!v.is_bool()) refuse(param, "`" + param + "` must be a boolean");
  return v.get_bool();
}

double need_number(const json::value& v, const std::string& param) {
  if (!v.is_number()) refuse(param, "`" + param + "` must be a number");
  return v.to_number<double>();
}

std::int64_t need_integer(const json::value& v, const std::string& param) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  // A double is cast only inside int64's range: casting 1e300 is undefined behaviour.
  if (v.is_double()) {
    double d = v.get_double();
    if (d >= -0x1p63 && d < 0x1p63 && d == std::trunc(d)) return static_cast<std::int64_t>(d);
  }
  refuse(param, "`" + param + "` must be an integer");
}

std::int64_t need_integer_at_least(const json::value& v, const std::string& param,
                                   std::int64_t min) {
  std::int64_t n = need_integer(v, param);
  if (n < min) refuse(param, "`" + param + "` must be at least " + std::to_string(min));
  return n;
}

bool is_neutral(std::string_view key, const json::value& v) {
  if (v.is_null()) return true;
  auto is_zero = [&] { return v.is_number() && v.to_number<double>() == 0.0; };
  if (key == "n") return v.is_number() && v.to_number<double>() == 1.0;
  if (key == "logprobs" || key == "store") return v.is_bool() && !v.get_bool();
  if (key == "top_logprobs" || key == "presence_penalty" || key == "frequency_penalty") {
    return is_zero();
  }
  if (key == "logit_bias") return v.is_object() && v.get_object().empty();
  if (key == "service_tier") {
    return v.is_string() && (v.get_string() == "auto" || v.get_string() == "default");
  }
  if (key == "modalities") {
    return v.is_array() && v.get_array().size() == 1 && v.get_array()[0].is_string() &&
           v.get_array()[0].get_string() == "text";
  }
  return false;
}

bool is_openai_bookkeeping(std::string_view key) {
  return key == "metadata" || key == "prompt_cache_key" || key == "prompt_cache_retention" ||
         key == "prompt_cache_options";
}

}  // namespace tollgate::routing::providers::openai_request
