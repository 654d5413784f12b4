#include "cache/embedder.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace tollgate::cache {

namespace {

std::uint64_t hash_bytes(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

void add(Embedding& v, std::string_view feature, std::uint64_t seed, float weight) {
  std::uint64_t h = hash_bytes(feature, seed);
  v[h % kDims] += (h >> 63) != 0 ? weight : -weight;
}

bool word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// Words that carry little of a question's meaning: weighed less, never dropped.
bool filler(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "a",    "an",    "the", "is",   "are", "was", "of",   "to",    "in",    "on",    "for",
      "and",  "or",    "me",  "i",    "you", "it",  "do",   "does",  "can",   "could", "please",
      "what", "whats", "s",   "tell", "my",  "be",  "with", "about", "would", "give",  "show"};
  for (auto k : kWords) {
    if (w == k) return true;
  }
  return false;
}

// Negations turn a question around ("is it safe" / "is it not safe"): weighed heavily.
bool negation(std::string_view w) {
  return w == "not" || w == "no" || w == "never" || w == "t" || w == "without" || w == "nor";
}

}  // namespace

void embed_builtin(std::string_view text, Embedding& out) {
  out.fill(0.0f);
  // Lower-cased words (ASCII folded; other bytes kept), at most 4096 of them.
  std::string lower(text.size(), ' ');
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    lower[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  std::vector<std::string_view> words;
  for (std::size_t i = 0; i < lower.size() && words.size() < 4096;) {
    if (!word_byte(static_cast<unsigned char>(lower[i]))) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < lower.size() && word_byte(static_cast<unsigned char>(lower[i]))) ++i;
    words.push_back(std::string_view(lower).substr(start, i - start));
  }
  std::string gram;
  for (std::size_t w = 0; w < words.size(); ++w) {
    std::string_view word = words[w];
    float weight = negation(word) ? 3.0f : filler(word) ? 0.4f : 1.0f;
    add(out, word, 1, weight);
    if (w + 1 < words.size()) {
      gram.assign(word).append(" ").append(words[w + 1]);
      add(out, gram, 2, 0.8f);
    }
    // Character trigrams of " word ": a word's inflections and typos stay close.
    gram.assign(" ").append(word).append(" ");
    if (word.size() < 4) continue;
    float each = 0.6f / static_cast<float>(gram.size() - 2);
    for (std::size_t c = 0; c + 3 <= gram.size(); ++c) {
      add(out, std::string_view(gram).substr(c, 3), 3, each * weight);
    }
  }
  float norm = 0;
  for (float x : out) norm += x * x;
  if (norm <= 0) return;
  float scale = 1.0f / std::sqrt(norm);
  for (float& x : out) x *= scale;
}

float cosine(const Embedding& a, const Embedding& b) {
  float dot = 0;
  for (std::size_t i = 0; i < kDims; ++i) dot += a[i] * b[i];
  return dot;
}

}  // namespace tollgate::cache
