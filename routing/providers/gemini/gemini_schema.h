// JSON Schema (response_format json_schema, tool parameters) → Gemini's Schema, an
// OpenAPI 3.0 subset: types upper-cased, local $refs inlined, type unions with null made
// nullable, annotations dropped; what the subset cannot state is refused with a 400
// naming the OpenAI field (tests/unit/routing/gemini_schema_test.cpp).
#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace tollgate::routing::providers::gemini {

// `param` is the OpenAI field holding the schema, for refusals (openai_request::Refusal).
boost::json::value convert_schema(const boost::json::value& schema, const std::string& param);

}  // namespace tollgate::routing::providers::gemini
