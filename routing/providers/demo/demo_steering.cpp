// The demo's tools, tool_choice and output format: read with the translators' own field
// readers (common/openai_request_*.h), so a refusal reads as every dialect's does.
#include "routing/providers/demo/demo_steering.h"

#include <boost/json.hpp>

#include "routing/providers/common/openai_request_fields.h"
#include "routing/providers/common/openai_request_tools.h"

namespace tollgate::routing::providers::demo {

namespace json = boost::json;
using namespace openai_request;

namespace {

constexpr Dialect kDemo{"demo"};
constexpr int kMaxSchemaDepth = 16;
constexpr std::size_t kMaxProperties = 64;

// long: one case per JSON Schema type, each a line or two.
// A schema the demo cannot fill whole (deeper than kMaxSchemaDepth, more than
// kMaxProperties properties, a `$ref`) is refused naming `param`: a sample that leaves a
// required field null would be a silent wrong answer.
json::value sample(const json::value& schema, int depth, std::string_view param) {
  if (depth > kMaxSchemaDepth) {
    refuse(std::string(param), "the demo provider fills schemas nested at most " +
                                   std::to_string(kMaxSchemaDepth) + " levels deep");
  }
  if (!schema.is_object()) return nullptr;
  const json::object& s = schema.get_object();
  if (present(s, "$ref") != nullptr) {
    refuse(std::string(param), "the demo provider does not follow `$ref` in a schema");
  }
  if (const json::value* c = present(s, "const")) return *c;
  if (const json::value* e = present(s, "enum"); e != nullptr && e->is_array()) {
    return e->get_array().empty() ? json::value(nullptr) : e->get_array().front();
  }
  for (const char* any : {"anyOf", "oneOf", "allOf"}) {
    const json::value* list = present(s, any);
    if (list != nullptr && list->is_array() && !list->get_array().empty()) {
      return sample(list->get_array().front(), depth + 1, param);
    }
  }
  std::string_view type;
  if (const json::value* t = present(s, "type")) {
    if (t->is_string()) type = sv(t->get_string());
    if (t->is_array()) {
      for (const auto& item : t->get_array()) {
        if (item.is_string() && item.get_string() != "null") {
          type = sv(item.get_string());
          break;
        }
      }
    }
  } else if (present(s, "properties") != nullptr) {
    type = "object";
  }
  if (type == "string") return "demo";
  if (type == "integer" || type == "number") {
    const json::value* min = present(s, "minimum");
    return min != nullptr && min->is_number() ? *min : json::value(0);
  }
  if (type == "boolean") return false;
  if (type == "array") {
    json::array out;
    const json::value* min = present(s, "minItems");
    const json::value* items = present(s, "items");
    if (min != nullptr && min->is_int64() && min->get_int64() > 0 && items != nullptr) {
      out.push_back(sample(*items, depth + 1, param));
    }
    return out;
  }
  if (type != "object") return nullptr;
  json::object out;
  const json::value* props = present(s, "properties");
  if (props == nullptr || !props->is_object()) return out;
  if (props->get_object().size() > kMaxProperties) {
    refuse(std::string(param), "the demo provider fills objects of at most " +
                                   std::to_string(kMaxProperties) + " properties");
  }
  for (const auto& member : props->get_object()) {
    out[member.key()] = sample(member.value(), depth + 1, param);
  }
  return out;
}

std::string sample_text(const json::value* schema, std::string_view param) {
  if (schema == nullptr) return "{}";
  json::value value = sample(*schema, 0, param);
  if (!value.is_object()) value = json::object{{"value", value}};
  return json::serialize(value);
}

struct Tool {
  std::string name;
  const json::value* parameters = nullptr;
};

// The tool a choice forces, or nullptr when the demo may answer in text (none, auto: a
// model may decide to call nothing).
const Tool* forced_tool(const ToolChoice& choice, const std::vector<Tool>& tools) {
  using Mode = ToolChoice::Mode;
  std::string_view name;
  switch (choice.mode) {
    case Mode::none:
    case Mode::auto_:
    case Mode::allowed_auto:
      return nullptr;
    case Mode::required:
      if (tools.empty()) refuse("tool_choice", "`tool_choice` is required but `tools` is empty");
      return &tools.front();
    case Mode::allowed_required:
      if (choice.allowed.empty()) refuse("tool_choice", "`tool_choice` allows no tool");
      name = choice.allowed.front();
      break;
    case Mode::function:
      name = choice.name;
      break;
  }
  for (const Tool& tool : tools) {
    if (tool.name == name) return &tool;
  }
  refuse("tool_choice",
         "`tool_choice` names the function '" + std::string(name) + "', which is not in `tools`");
}

// `schema_param` names where the output schema was read (chat and Responses differ).
Steering steer(const std::vector<Tool>& tools, const ToolChoice& choice, bool json_object,
               const json::value* schema, bool json_schema, std::string_view schema_param) {
  Steering out;
  if (const Tool* tool = forced_tool(choice, tools)) {
    out.kind = Steering::Kind::tool_call;
    out.tool_name = tool->name;
    out.json = sample_text(tool->parameters, "tools");
  } else if (json_object || json_schema) {
    out.kind = Steering::Kind::json;
    out.json = json_schema ? sample_text(schema, schema_param) : R"({"reply":"demo"})";
  }
  return out;
}

template <class Read>
Steering read_or_refuse(std::string_view body, std::optional<core::Response>& refusal, Read read) {
  try {
    json::value document = parse_request(body);
    return read(document.as_object());
  } catch (const Refusal& r) {
    refusal = refusal_response(r.param, r.message);
  }
  return {};
}

}  // namespace

std::string sample_for_schema(std::string_view schema_json) {
  json::value schema = json::parse(schema_json);
  return sample_text(&schema, "schema");
}

Steering read_chat_steering(std::string_view body, std::optional<core::Response>& refusal) {
  return read_or_refuse(body, refusal, [](const json::object& root) {
    std::vector<Tool> tools;
    if (const json::value* list = present(root, "tools")) {
      for_each_tool(*list, kDemo, [&](const FunctionTool& tool) {
        tools.push_back({std::string(tool.name), tool.parameters});
      });
    }
    ToolChoice choice;
    if (const json::value* c = present(root, "tool_choice")) choice = read_tool_choice(*c, kDemo);
    ResponseFormat format;
    if (const json::value* f = present(root, "response_format")) {
      format = read_response_format(*f);
    }
    using Type = ResponseFormat::Type;
    return steer(tools, choice, format.type == Type::json_object, format.schema,
                 format.type == Type::json_schema, "response_format.json_schema.schema");
  });
}

namespace {

// Responses' tools are flat ({type, name, parameters}); only function tools can be called.
std::vector<Tool> responses_tools(const json::object& root) {
  std::vector<Tool> tools;
  const json::value* list = present(root, "tools");
  if (list == nullptr) return tools;
  std::size_t i = 0;
  for (const auto& item : need_array(*list, "tools")) {
    std::string param = at("tools", i++);
    const json::object& tool = need_object(item, param);
    std::string_view type = need_string(required(tool, "type", param), dot(param, "type"));
    if (type != "function") {
      no_equivalent(kDemo, dot(param, "type"),
                    "it calls function tools only (not '" + std::string(type) + "')");
    }
    std::string name(need_string(required(tool, "name", param), dot(param, "name")));
    tools.push_back({std::move(name), present(tool, "parameters")});
  }
  return tools;
}

ToolChoice responses_tool_choice(const json::object& root) {
  ToolChoice choice;
  const json::value* value = present(root, "tool_choice");
  if (value == nullptr || value->is_string()) {
    return value == nullptr ? choice : read_tool_choice(*value, kDemo);
  }
  const json::object& c = need_object(*value, "tool_choice");
  std::string_view type = need_string(required(c, "type", "tool_choice"), "tool_choice.type");
  if (type != "function") {
    no_equivalent(
        kDemo, "tool_choice.type",
        "it follows none, auto, required or a named function (not '" + std::string(type) + "')");
  }
  choice.mode = ToolChoice::Mode::function;
  choice.name = need_string(required(c, "name", "tool_choice"), "tool_choice.name");
  return choice;
}

}  // namespace

Steering read_responses_steering(std::string_view body, std::optional<core::Response>& refusal) {
  return read_or_refuse(body, refusal, [](const json::object& root) {
    std::vector<Tool> tools = responses_tools(root);
    ToolChoice choice = responses_tool_choice(root);
    std::string_view type = "text";
    const json::value* schema = nullptr;
    const json::value* text = present(root, "text");
    const json::value* format =
        text != nullptr ? present(need_object(*text, "text"), "format") : nullptr;
    if (format != nullptr) {
      const json::object& f = need_object(*format, "text.format");
      type = need_string(required(f, "type", "text.format"), "text.format.type");
      if (type != "text" && type != "json_object" && type != "json_schema") {
        refuse("text.format.type", "`text.format.type` must be text, json_object or json_schema");
      }
      schema = present(f, "schema");
    }
    return steer(tools, choice, type == "json_object", schema, type == "json_schema",
                 "text.format.schema");
  });
}

}  // namespace tollgate::routing::providers::demo
