#include "routing/providers/anthropic/anthropic_json.h"

#include <charconv>
#include <cmath>

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"

namespace tollgate::routing::providers::anthropic {

namespace json = boost::json;

void write_json(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      out += std::to_string(value.get_int64());
      return;
    case json::kind::uint64:
      out += std::to_string(value.get_uint64());
      return;
    case json::kind::double_: {
      double d = value.get_double();
      if (!std::isfinite(d)) {
        out += "null";  // JSON has no NaN or infinity; Boost.JSON never parses them anyway
        return;
      }
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, ec == std::errc() ? end : buf);
      return;
    }
    case json::kind::string:
      core::append_json_string(out, sv(value.get_string()));
      return;
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        write_json(out, item);
      }
      out.push_back(']');
      return;
    }
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        core::append_json_string(out, std::string_view(member.key()));
        out.push_back(':');
        write_json(out, member.value());
      }
      out.push_back('}');
      return;
    }
  }
}

std::string to_json(const json::value& value) {
  std::string out;
  write_json(out, value);
  return out;
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return std::nullopt;
  return std::move(doc.get_object());
}

const json::object* object_field(const json::object& object, std::string_view key) {
  const json::value* v = field(object, key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const json::value* field(const json::object& object, std::string_view key) {
  return object.if_contains(key);
}

std::optional<std::string_view> string_field(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return sv(v->get_string());
}

std::int64_t int_field(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

}  // namespace tollgate::routing::providers::anthropic
