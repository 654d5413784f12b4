#include "routing/providers/common/openai_request_tools.h"

#include <boost/json.hpp>

namespace tollgate::routing::providers::openai_request {

namespace json = boost::json;

FunctionTool read_tool(const json::value& item, const std::string& param, const Dialect& dialect) {
  const json::object& tool = need_object(item, param);
  if (const json::value* t = present(tool, "type")) {
    std::string_view type = need_string(*t, dot(param, "type"));
    if (type != "function") {
      no_equivalent(dialect, dot(param, "type"),
                    "only function tools translate (not '" + std::string(type) + "')");
    }
  }
  FunctionTool out;
  out.param = dot(param, "function");
  const json::object& fn = need_object(required(tool, "function", param), out.param);
  for (const auto& member : fn) {
    std::string_view key = member.key();
    const json::value& v = member.value();
    std::string p = dot(out.param, key);
    if (v.is_null()) continue;
    if (key == "name") {
      out.name = need_string(v, p);
    } else if (key == "description") {
      out.description = need_string(v, p);
    } else if (key == "parameters") {
      out.parameters = &v;
    } else if (key == "strict") {
      out.strict = need_bool(v, p);
    } else {
      refuse(p, "unknown field `" + p + "`");
    }
  }
  if (out.name.empty()) required(fn, "name", out.param);  // absent (an empty name passes on)
  return out;
}

namespace {

std::vector<std::string_view> allowed_names(const json::object& allowed) {
  std::vector<std::string_view> names;
  const json::value* tools = present(allowed, "tools");
  if (tools == nullptr) return names;
  for (const auto& tool : need_array(*tools, "tool_choice.allowed_tools.tools")) {
    const json::value* fn = tool.is_object() ? present(tool.get_object(), "function") : nullptr;
    const json::value* name =
        fn != nullptr && fn->is_object() ? present(fn->get_object(), "name") : nullptr;
    if (name == nullptr || !name->is_string()) {
      refuse("tool_choice.allowed_tools.tools", "each allowed tool must name a function");
    }
    names.push_back(sv(name->get_string()));
  }
  return names;
}

}  // namespace

ToolChoice read_tool_choice(const json::value& value, const Dialect& dialect) {
  using Mode = ToolChoice::Mode;
  ToolChoice out;
  if (value.is_string()) {
    std::string_view mode = sv(value.get_string());
    if (mode == "none") {
      out.mode = Mode::none;
    } else if (mode == "auto") {
      out.mode = Mode::auto_;
    } else if (mode == "required") {
      out.mode = Mode::required;
    } else {
      refuse("tool_choice", "`tool_choice` must be none, auto, required or a named function");
    }
    return out;
  }
  const json::object& choice = need_object(value, "tool_choice");
  std::string_view type = need_string(required(choice, "type", "tool_choice"), "tool_choice.type");
  if (type == "function") {
    const json::object& fn =
        need_object(required(choice, "function", "tool_choice"), "tool_choice.function");
    out.mode = Mode::function;
    out.name =
        need_string(required(fn, "name", "tool_choice.function"), "tool_choice.function.name");
    return out;
  }
  if (type == "allowed_tools") {
    const json::object& allowed =
        need_object(required(choice, "allowed_tools", "tool_choice"), "tool_choice.allowed_tools");
    std::string_view mode = "auto";
    if (const json::value* m = present(allowed, "mode")) {
      mode = need_string(*m, "tool_choice.allowed_tools.mode");
    }
    if (mode != "auto" && mode != "required") {
      refuse("tool_choice.allowed_tools.mode",
             "`tool_choice.allowed_tools.mode` must be auto or required");
    }
    out.mode = mode == "auto" ? Mode::allowed_auto : Mode::allowed_required;
    out.allowed = allowed_names(allowed);
    return out;
  }
  if (type == "custom") no_equivalent(dialect, "tool_choice.type", "custom tools do not translate");
  refuse("tool_choice.type", "`tool_choice.type` must be function or allowed_tools");
}

ResponseFormat read_response_format(const json::value& value) {
  using Type = ResponseFormat::Type;
  ResponseFormat out;
  const json::object& format = need_object(value, "response_format");
  std::string_view type =
      need_string(required(format, "type", "response_format"), "response_format.type");
  if (type == "text") return out;
  if (type == "json_object") {
    out.type = Type::json_object;
    return out;
  }
  if (type != "json_schema") {
    refuse("response_format.type",
           "`response_format.type` must be text, json_object or json_schema");
  }
  out.type = Type::json_schema;
  const json::object& spec = need_object(required(format, "json_schema", "response_format"),
                                         "response_format.json_schema");
  out.schema = present(spec, "schema");
  return out;
}

bool read_include_usage(const json::value& stream_options) {
  bool include_usage = false;
  for (const auto& option : need_object(stream_options, "stream_options")) {
    std::string p = dot("stream_options", option.key());
    if (option.key() == "include_usage") {
      if (!option.value().is_null()) include_usage = need_bool(option.value(), p);
    } else if (option.key() != "include_obfuscation") {
      refuse(p, "unknown field `" + p + "`");
    }
  }
  return include_usage;
}

json::array read_stop(const json::value& value) {
  json::array sequences;
  if (value.is_string()) {
    if (!value.get_string().empty()) sequences.push_back(value);
    return sequences;
  }
  if (!value.is_array()) refuse("stop", "`stop` must be a string or an array of strings");
  std::size_t j = 0;
  for (const auto& s : value.get_array()) {
    if (!need_string(s, at("stop", j++)).empty()) sequences.push_back(s);
  }
  return sequences;
}

}  // namespace tollgate::routing::providers::openai_request
