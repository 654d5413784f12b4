// JSON checks for the translator harnesses: whatever the gateway sends a client or a
// provider must parse, with Boost.JSON's own depth limit lifted (the gateway's limits
// are not what this checks).
#pragma once

#include <optional>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

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

}  // namespace tollgate::fuzz
