// The builtin embedder: local, no network, no model. Feature hashing of a text's word
// unigrams and bigrams and of its words' character trigrams into kDims signed buckets,
// normalised to length 1, so that the cosine of two texts is their dot product. It
// matches rewordings that keep most words (case, punctuation, word order, a word added
// or dropped); it cannot know synonyms or other languages (docs/cache.md).
#pragma once

#include <array>
#include <string_view>

namespace tollgate::cache {

inline constexpr std::size_t kDims = 256;
using Embedding = std::array<float, kDims>;

// Fills `out` (all zeros for a text without a word). A few µs for a prompt of a line.
void embed_builtin(std::string_view text, Embedding& out);

float cosine(const Embedding& a, const Embedding& b);

}  // namespace tollgate::cache
