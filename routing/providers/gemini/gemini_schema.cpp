#include "routing/providers/gemini/gemini_schema.h"

#include <algorithm>
#include <span>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "routing/providers/common/openai_request_fields.h"
#include "routing/providers/gemini/gemini_text.h"

namespace tollgate::routing::providers::gemini {

namespace json = boost::json;
using openai_request::refuse;
using openai_request::sv;

namespace {

// Keywords copied as they are.
constexpr std::string_view kSchemaCopied[] = {
    "description", "title",     "nullable", "minItems",      "maxItems",
    "minLength",   "maxLength", "pattern",  "minProperties", "maxProperties",
    "minimum",     "maximum",   "default",  "example",       "propertyOrdering",
};
// Keywords dropped: annotations, and constraints the subset cannot state (documented in
// docs/providers.md, Gemini).
constexpr std::string_view kSchemaDropped[] = {
    "$schema",          "$id",
    "$comment",         "$defs",
    "definitions",      "additionalProperties",
    "examples",         "readOnly",
    "writeOnly",        "deprecated",
    "strict",           "multipleOf",
    "uniqueItems",      "exclusiveMinimum",
    "exclusiveMaximum", "patternProperties",
    "contentEncoding",  "contentMediaType",
    "discriminator",    "unevaluatedProperties",
    "propertyNames",    "dependentRequired",
    "dependentSchemas",
};

bool in(std::string_view key, std::span<const std::string_view> list) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

std::string gemini_type(std::string_view t, const std::string& param) {
  static constexpr std::string_view kTypes[] = {"string", "number", "integer", "boolean",
                                                "array",  "object", "null"};
  std::string l = lower(t);
  if (!in(l, kTypes)) refuse(param, "the JSON schema type '" + std::string(t) + "' is unknown");
  return upper(l);
}

struct SchemaConverter {
  const json::object* root = nullptr;
  std::string param;  // the OpenAI field holding the schema, for messages
  int depth = 0;

  json::value convert(const json::value& in_value) {
    if (++depth > 64) refuse(param, "the JSON schema in `" + param + "` nests too deeply");
    json::value out = convert_inner(in_value);
    --depth;
    return out;
  }

  const json::value& resolve(std::string_view ref) {
    std::string_view name;
    const json::value* defs = nullptr;
    if (ref.starts_with("#/$defs/")) {
      name = ref.substr(8);
      defs = root->if_contains("$defs");
    } else if (ref.starts_with("#/definitions/")) {
      name = ref.substr(14);
      defs = root->if_contains("definitions");
    }
    const json::value* target = nullptr;
    if (defs != nullptr && defs->is_object() && name.find('/') == std::string_view::npos) {
      target = defs->get_object().if_contains(name);
    }
    if (target == nullptr) {
      refuse(param, "the JSON schema in `" + param + "` uses $ref '" + std::string(ref) +
                        "', which Gemini's schema subset cannot express (only local "
                        "#/$defs/... references are inlined)");
    }
    return *target;
  }

  // "type": a name, or a list of names where "null" makes the schema nullable.
  void convert_type(const json::value& value, json::object& out) {
    if (value.is_string()) {
      out["type"] = gemini_type(sv(value.get_string()), param);
      return;
    }
    if (!value.is_array()) refuse(param, "a JSON schema type in `" + param + "` is bad");
    std::vector<std::string> types;
    bool nullable = false;
    for (const auto& t : value.get_array()) {
      if (!t.is_string()) refuse(param, "a JSON schema type in `" + param + "` is bad");
      std::string g = gemini_type(sv(t.get_string()), param);
      if (g == "NULL") {
        nullable = true;
      } else {
        types.push_back(std::move(g));
      }
    }
    if (types.size() > 1) {
      refuse(param, "the JSON schema in `" + param +
                        "` has a type union, which Gemini's schema subset cannot "
                        "express; use anyOf");
    }
    if (!types.empty()) out["type"] = types.front();
    if (nullable) out["nullable"] = true;
  }

  // "enum" or "const": Gemini's enums are strings (numbers are written as text), and a
  // null value makes the schema nullable.
  void convert_enum(std::string_view key, const json::value& value, const json::object& s,
                    json::object& out) {
    json::array values;
    auto add = [&](const json::value& e) {
      if (e.is_string()) {
        values.push_back(e);
      } else if (e.is_number()) {
        values.emplace_back(json::serialize(e));
      } else if (e.is_null()) {
        out["nullable"] = true;
      } else {
        refuse(param, "the JSON schema in `" + param +
                          "` has an enum value that is not a string or a number");
      }
    };
    if (key == "const") {
      add(value);
    } else if (value.is_array()) {
      for (const auto& e : value.get_array()) add(e);
    } else {
      refuse(param, "`enum` in `" + param + "` must be an array");
    }
    out["enum"] = std::move(values);
    if (!s.contains("type")) out["type"] = "STRING";
    if (!s.contains("format")) out["format"] = "enum";
  }

  json::value convert_inner(const json::value& in_value) {
    if (in_value.is_bool() && in_value.get_bool()) return json::object{};
    if (!in_value.is_object()) {
      refuse(param, "the JSON schema in `" + param + "` holds a value that is not a schema");
    }
    const json::object& s = in_value.get_object();
    if (const json::value* ref = s.if_contains("$ref")) {
      if (!ref->is_string()) refuse(param, "the JSON schema in `" + param + "` has a bad $ref");
      if (depth > 32) {
        refuse(param, "the JSON schema in `" + param +
                          "` is recursive; Gemini's schema subset cannot express that");
      }
      return convert(resolve(sv(ref->get_string())));
    }
    json::object out;
    for (const auto& [key_raw, value] : s) {
      std::string_view key(key_raw.data(), key_raw.size());
      if (key == "type") {
        convert_type(value, out);
      } else if (key == "properties") {
        if (!value.is_object()) refuse(param, "`properties` in `" + param + "` is not an object");
        json::object props;
        for (const auto& [name, sub] : value.get_object()) props[name] = convert(sub);
        if (!props.empty()) out["properties"] = std::move(props);
      } else if (key == "items") {
        out["items"] = convert(value);
      } else if (key == "anyOf" || key == "oneOf") {
        if (!value.is_array()) refuse(param, "`" + std::string(key) + "` must be an array");
        json::array any;
        for (const auto& sub : value.get_array()) any.push_back(convert(sub));
        out["anyOf"] = std::move(any);
      } else if (key == "allOf") {
        if (!value.is_array() || value.get_array().size() != 1) {
          refuse(param, "the JSON schema in `" + param +
                            "` uses allOf with several schemas, which Gemini's schema subset "
                            "cannot express");
        }
        json::value merged = convert(value.get_array()[0]);
        for (const auto& [k, v] : merged.get_object()) {
          if (!out.contains(k)) out[k] = v;
        }
      } else if (key == "enum" || key == "const") {
        convert_enum(key, value, s, out);
      } else if (key == "format") {
        if (value.is_string()) out["format"] = value;
      } else if (key == "required") {
        if (!value.is_array()) refuse(param, "`required` in `" + param + "` must be an array");
        out["required"] = value;
      } else if (in(key, kSchemaCopied)) {
        out[key] = value;
      } else if (in(key, kSchemaDropped)) {
        continue;
      } else {
        refuse(param, "the JSON schema in `" + param + "` uses `" + std::string(key) +
                          "`, which Gemini's schema subset cannot express");
      }
    }
    return out;
  }
};

}  // namespace

json::value convert_schema(const json::value& schema, const std::string& param) {
  SchemaConverter converter;
  converter.param = param;
  static const json::object kEmpty;
  converter.root = schema.is_object() ? &schema.get_object() : &kEmpty;
  return converter.convert(schema);
}

}  // namespace tollgate::routing::providers::gemini
