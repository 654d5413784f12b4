// How deep JSON may nest, wherever the gateway reads it. Client bodies are checked
// against server.max_json_depth by the request reader (core/request_json.h); everything
// parsed into a Boost.JSON tree afterwards (translations to and from other dialects,
// provider answers, stored records) uses these options: Boost.JSON's parser keeps its
// own stack, but the tree it builds is copied and destroyed by recursion, and its
// default bound (32 levels) would refuse requests the edge has already accepted.
#pragma once

#include <cstddef>

#include <boost/json/parse_options.hpp>

namespace tollgate::core {

inline constexpr std::size_t kDefaultMaxJsonDepth = 128;
// The most server.max_json_depth may be set to, and the bound of every Boost.JSON parse.
inline constexpr std::size_t kMaxJsonDepthLimit = 1024;

inline boost::json::parse_options bounded_json_options() {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepthLimit;
  return options;
}

}  // namespace tollgate::core
