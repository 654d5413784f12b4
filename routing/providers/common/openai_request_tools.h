// Reading the top-level fields of an OpenAI chat request that steer the answer into a
// neutral form: tools, tool_choice, response_format, stream_options and stop. A dialect
// writes them out in its own words and refuses what it cannot express. Refusals follow
// openai_request_fields.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "routing/providers/common/openai_request_fields.h"

namespace tollgate::routing::providers::openai_request {

// One entry of `tools` (only function tools translate; a missing type means function).
struct FunctionTool {
  std::string param;  // "tools[0].function"
  std::string_view name;
  std::string_view description;                    // empty when absent
  const boost::json::value* parameters = nullptr;  // the JSON schema, nullptr when absent
  bool strict = false;
};

FunctionTool read_tool(const boost::json::value& item, const std::string& param,
                       const Dialect& dialect);

// Calls on_tool(const FunctionTool&) for each entry of `tools`.
template <class OnTool>
void for_each_tool(const boost::json::value& tools, const Dialect& dialect, OnTool&& on_tool) {
  std::size_t i = 0;
  for (const auto& item : need_array(tools, "tools")) {
    const FunctionTool tool = read_tool(item, at("tools", i++), dialect);
    on_tool(tool);
  }
}

// tool_choice: "none", "auto", "required", a named function, or allowed_tools (a set of
// function names, in mode auto or required).
struct ToolChoice {
  enum class Mode { none, auto_, required, function, allowed_auto, allowed_required };
  Mode mode = Mode::auto_;
  std::string_view name;                  // Mode::function
  std::vector<std::string_view> allowed;  // allowed_*: the function names
};

ToolChoice read_tool_choice(const boost::json::value& value, const Dialect& dialect);

// response_format: text, json_object, or json_schema with its schema (nullptr when the
// client sent none).
struct ResponseFormat {
  enum class Type { text, json_object, json_schema };
  Type type = Type::text;
  const boost::json::value* schema = nullptr;
};

ResponseFormat read_response_format(const boost::json::value& value);

// stream_options: include_usage (include_obfuscation is accepted: it only pads OpenAI's own
// events); any other option is refused.
bool read_include_usage(const boost::json::value& stream_options);

// stop: a string or an array of strings; empty strings are dropped (they stop nothing).
boost::json::array read_stop(const boost::json::value& value);

}  // namespace tollgate::routing::providers::openai_request
