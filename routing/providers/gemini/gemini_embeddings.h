// OpenAI /v1/embeddings ⇄ Gemini :batchEmbedContents. Pure
// (tests/unit/routing/gemini_embeddings_test.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tollgate::routing::providers::gemini {

// /v1/embeddings → :batchEmbedContents. `input` is a string or an array of strings;
// `dimensions` becomes outputDimensionality; `encoding_format` decides the answer's shape.
struct TranslatedEmbeddings {
  bool ok = false;
  std::string body;  // BatchEmbedContentsRequest JSON
  bool base64 = false;
  std::string param;  // when !ok
  std::string message;
};

TranslatedEmbeddings translate_embeddings_request(std::string_view openai_body,
                                                  std::string_view model);

// {base}/v1beta/models/{model}:batchEmbedContents
std::string embed_target(std::string_view base_path, std::string_view model);

// BatchEmbedContentsResponse → OpenAI's embedding list ("" when the body is not one).
// Gemini reports no usage for embeddings: `estimated_tokens` fills the usage object.
std::string translate_embeddings_response(std::string_view gemini_body, std::string_view model,
                                          bool base64, std::int64_t estimated_tokens);

}  // namespace tollgate::routing::providers::gemini
