// The demo provider's content: a short reply built from the prompt, word counts used as
// honest token counts, and deterministic embedding vectors. Pure functions, so unit
// tests pin them down.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::routing::providers::demo {

// Whitespace-separated words: the demo's notion of a token, used for usage counts.
std::int64_t count_words(std::string_view text);
// Splits `text` into words, each after the first keeping one leading space, so that
// concatenating the pieces gives the text back.
std::vector<std::string> split_for_stream(std::string_view text);

// "Hello from tollgate's demo provider. You said: ..." (the prompt's first words).
std::string demo_reply(std::string_view prompt);

// A unit-length vector of `dimensions` floats determined by `text`.
std::vector<float> demo_embedding(std::string_view text, std::size_t dimensions);
// The little-endian float32 bytes of `vector`, base64-encoded (OpenAI's base64 format).
std::string base64_floats(const std::vector<float>& vector);

}  // namespace tollgate::routing::providers::demo
