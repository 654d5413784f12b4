// /v1/embeddings → :batchEmbedContents (one request per input) and back: Gemini's float
// values as OpenAI's embedding list, as floats or base64 float32.
#include "routing/providers/gemini/gemini_embeddings.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include <boost/json.hpp>

#include "gateway/core/errors.h"
#include "gateway/core/json_limits.h"
#include "routing/providers/common/openai_request_fields.h"
#include "routing/providers/gemini/gemini_request.h"
#include "routing/providers/gemini/gemini_text.h"

namespace tollgate::routing::providers::gemini {

namespace json = boost::json;
using namespace openai_request;

namespace {

std::string bare_model(std::string_view model) {
  if (model.starts_with("models/")) model.remove_prefix(7);
  return std::string(model);
}

void append_base64(std::string& out, const unsigned char* bytes, std::size_t size) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t k = 0; k < size; k += 3) {
    unsigned n = static_cast<unsigned>(bytes[k]) << 16;
    if (k + 1 < size) n |= static_cast<unsigned>(bytes[k + 1]) << 8;
    if (k + 2 < size) n |= static_cast<unsigned>(bytes[k + 2]);
    out.push_back(kB64[(n >> 18) & 63]);
    out.push_back(kB64[(n >> 12) & 63]);
    out.push_back(k + 1 < size ? kB64[(n >> 6) & 63] : '=');
    out.push_back(k + 2 < size ? kB64[n & 63] : '=');
  }
}

std::vector<std::string_view> read_inputs(const json::value& value) {
  std::vector<std::string_view> inputs;
  if (value.is_string()) {
    inputs.push_back(sv(value.get_string()));
    return inputs;
  }
  if (!value.is_array()) refuse("input", "`input` must be a string or an array of strings");
  for (const auto& item : value.get_array()) {
    if (!item.is_string()) {
      refuse("input",
             "`input` must be a string or an array of strings (Gemini takes "
             "text, not token ids)");
    }
    inputs.push_back(sv(item.get_string()));
  }
  return inputs;
}

}  // namespace

std::string embed_target(std::string_view base_path, std::string_view model) {
  return model_path(base_path, model) + ":batchEmbedContents";
}

TranslatedEmbeddings translate_embeddings_request(std::string_view openai_body,
                                                  std::string_view model) {
  TranslatedEmbeddings result;
  try {
    json::value doc = parse_request(openai_body);
    std::vector<std::string_view> inputs;
    std::optional<std::int64_t> dimensions;
    for (const auto& [key_raw, value] : doc.get_object()) {
      std::string key(key_raw.data(), key_raw.size());
      if (value.is_null() || key == "model" || key == "user") continue;
      if (key == "input") {
        inputs = read_inputs(value);
      } else if (key == "dimensions") {
        dimensions = need_integer(value, key);
      } else if (key == "encoding_format") {
        std::string_view format = need_string(value, key);
        if (format != "float" && format != "base64") {
          refuse(key, "`encoding_format` must be float or base64");
        }
        result.base64 = format == "base64";
      } else {
        no_equivalent(kGemini, key);
      }
    }
    if (inputs.empty()) refuse("input", "`input` is required and must not be empty");
    json::array requests;
    std::string qualified = "models/" + bare_model(model);
    for (std::string_view text : inputs) {
      json::object r{
          {"model", qualified},
          {"content", json::object{{"parts", json::array{json::object{{"text", text}}}}}}};
      if (dimensions) r["outputDimensionality"] = *dimensions;
      requests.push_back(std::move(r));
    }
    result.body = json::serialize(json::object{{"requests", std::move(requests)}});
    result.ok = true;
  } catch (const Refusal& refusal) {
    result.param = refusal.param;
    result.message = refusal.message;
  }
  return result;
}

std::string translate_embeddings_response(std::string_view gemini_body, std::string_view model,
                                          bool base64, std::int64_t estimated_tokens) {
  boost::system::error_code ec;
  json::value doc = json::parse(gemini_body, ec, {}, core::bounded_json_options());
  if (ec || !doc.is_object()) return {};
  const json::value* embeddings = doc.get_object().if_contains("embeddings");
  if (embeddings == nullptr || !embeddings->is_array()) return {};
  std::string out = R"({"object":"list","data":[)";
  std::size_t index = 0;
  for (const auto& e : embeddings->get_array()) {
    const json::value* values = e.is_object() ? e.get_object().if_contains("values") : nullptr;
    if (values == nullptr || !values->is_array()) return {};
    if (index > 0) out.push_back(',');
    out += R"({"object":"embedding","index":)" + std::to_string(index++) + R"(,"embedding":)";
    if (base64) {
      std::string bytes;
      for (const auto& v : values->get_array()) {
        if (!v.is_number()) return {};
        float f = v.to_number<float>();
        unsigned char le[4];
        std::memcpy(le, &f, 4);  // x86 and ARM Linux are little-endian, as OpenAI sends
        bytes.append(reinterpret_cast<const char*>(le), 4);
      }
      out.push_back('"');
      append_base64(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
      out.push_back('"');
    } else {
      for (const auto& v : values->get_array()) {
        // Boost.JSON reads 1e999 as infinity, which serialize writes as `Infinity`: no JSON.
        if (!v.is_number() || !std::isfinite(v.to_number<double>())) return {};
      }
      out += json::serialize(*values);
    }
    out.push_back('}');
  }
  out += R"(],"model":)";
  core::append_json_string(out, model);
  out += R"(,"usage":{"prompt_tokens":)" + std::to_string(estimated_tokens) +
         R"(,"total_tokens":)" + std::to_string(estimated_tokens) + "}}";
  return out;
}

}  // namespace tollgate::routing::providers::gemini
