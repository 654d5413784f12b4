// JSON text for the Anthropic dialect's translations: Boost.JSON values written with
// numbers as people write them (0.7, not Boost's 7E-1), and small typed readers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace tollgate::routing::providers::anthropic {

// Appends `value` as compact JSON to `out`; doubles in their shortest round-trip form.
void write_json(std::string& out, const boost::json::value& value);
std::string to_json(const boost::json::value& value);

// `text` parsed as a JSON object (bounded depth), or nullopt when it is not one.
std::optional<boost::json::object> parse_object(std::string_view text);

// `object[key]` when it is an object, else nullptr.
const boost::json::object* object_field(const boost::json::object& object, std::string_view key);

// `object[key]`, or nullptr when absent.
const boost::json::value* field(const boost::json::object& object, std::string_view key);
// The string at `object[key]`, or nullopt when absent or not a string.
std::optional<std::string_view> string_field(const boost::json::object& object,
                                             std::string_view key);
// The integer at `object[key]`, or 0 when absent, null or not an integer.
std::int64_t int_field(const boost::json::object& object, std::string_view key);

inline std::string_view sv(const boost::json::string& s) {
  return {s.data(), s.size()};
}

}  // namespace tollgate::routing::providers::anthropic
