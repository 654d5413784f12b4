// The builtin embedder: local, no network, no model. Feature hashing of a text's word
// unigrams and bigrams and of its words' character trigrams into kBuiltinDims signed buckets,
// normalised to length 1, so that the cosine of two texts is their dot product. It
// matches rewordings that keep most words (case, punctuation, word order, a word added
// or dropped); it cannot know synonyms or other languages (docs/cache.md).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace tollgate::cache {

inline constexpr std::size_t kBuiltinDims = 256;
// The most dimensions a vector may have (a model's answer is hostile too: past it, a miss).
inline constexpr std::size_t kMaxDims = 8192;
// A unit vector: the builtin's kBuiltinDims, or as many as an embeddings model gives.
using Embedding = std::vector<float>;

// Fills `out` with kBuiltinDims values (all zeros for a text without a word). A few µs for
// a prompt of a line.
void embed_builtin(std::string_view text, Embedding& out);

// The cosine of two unit vectors; -1 (never a hit) when their dimensions differ.
float cosine(const Embedding& a, const Embedding& b);

// Scales `v` to length 1. False (and `v` unusable) when it is empty, longer than kMaxDims,
// all zeros, or holds a value that is not a finite number.
bool normalize(Embedding& v);

}  // namespace tollgate::cache
