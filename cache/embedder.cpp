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
  v[h % kBuiltinDims] += (h >> 63) != 0 ? weight : -weight;
}

bool word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// Words that carry little of a question's meaning: weighed less, never dropped, and left
// out of bigrams.
bool filler(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "a",     "an",    "the",    "is",   "are",   "was",  "of",  "to", "into", "in",
      "on",    "for",   "and",    "or",   "me",    "i",    "you", "it", "do",   "does",
      "can",   "could", "please", "what", "s",     "tell", "my",  "be", "with", "about",
      "would", "give",  "show",   "how",  "which", "this", "that"};
  for (auto k : kWords) {
    if (w == k) return true;
  }
  return false;
}

// Negations turn a question around ("is it safe" / "is it not safe"): weighed heavily.
bool negation(std::string_view w) {
  return w == "not" || w == "no" || w == "never" || w == "without" || w == "nor";
}

// The words of a lower-cased text, contractions spelled out ("what's" → what is,
// "isn't" → is not) and British -ise spelled -ize; at most 4096 words.
void words_of(std::string_view lower, std::vector<std::string>& words) {
  for (std::size_t i = 0; i < lower.size() && words.size() < 4096;) {
    if (!word_byte(static_cast<unsigned char>(lower[i]))) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < lower.size() && word_byte(static_cast<unsigned char>(lower[i]))) ++i;
    std::string word(lower.substr(start, i - start));
    // An apostrophe and a short tail: 's, 're, 'll, 'nt (n't), 've, 'd.
    std::string_view tail;
    if (i + 1 < lower.size() && (lower[i] == '\'')) {
      std::size_t t = i + 1;
      while (t < lower.size() && t - i <= 3 && word_byte(static_cast<unsigned char>(lower[t]))) ++t;
      tail = lower.substr(i + 1, t - i - 1);
      if (tail == "s" || tail == "re" || tail == "t" || tail == "ll" || tail == "ve" ||
          tail == "d" || tail == "m") {
        i = t;
      } else {
        tail = {};
      }
    }
    if (tail == "t" && word.ends_with("n")) {
      word.pop_back();
      if (word == "ca") word = "can";
      if (word == "wo") word = "will";
      words.push_back(word);
      words.emplace_back("not");
      continue;
    }
    if (word.size() > 5) {
      for (std::string_view ise : {"ise", "ised", "ises", "ising"}) {
        if (word.ends_with(ise)) word[word.size() - ise.size() + 1] = 'z';
      }
    }
    words.push_back(std::move(word));
    if (tail == "s") words.emplace_back("is");
    if (tail == "re") words.emplace_back("are");
  }
}

}  // namespace

void embed_builtin(std::string_view text, Embedding& out) {
  out.assign(kBuiltinDims, 0.0f);
  // Lower-cased words (ASCII folded; other bytes kept), at most 4096 of them.
  std::string lower(text.size(), ' ');
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    lower[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  std::vector<std::string> words;
  words_of(lower, words);
  std::string gram;
  const std::string* previous = nullptr;  // the last content word, for bigrams
  for (const std::string& word : words) {
    bool fill = filler(word);
    float weight = negation(word) ? 3.0f : fill ? 0.3f : 1.0f;
    add(out, word, 1, weight);
    if (!fill) {
      if (previous != nullptr) {
        gram.assign(*previous).append(" ").append(word);
        add(out, gram, 2, 0.6f);
      }
      previous = &word;
    }
    // Character trigrams of " word ": a word's inflections and typos stay close.
    if (word.size() < 4) continue;
    gram.assign(" ").append(word).append(" ");
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
  if (a.size() != b.size()) return -1.0f;
  float dot = 0;
  for (std::size_t i = 0; i < a.size(); ++i) dot += a[i] * b[i];
  return dot;
}

bool normalize(Embedding& v) {
  if (v.empty() || v.size() > kMaxDims) return false;
  double norm = 0;
  for (float x : v) {
    if (!std::isfinite(x)) return false;
    norm += static_cast<double>(x) * x;
  }
  if (!(norm > 0) || !std::isfinite(norm)) return false;
  auto scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& x : v) x *= scale;
  return true;
}

}  // namespace tollgate::cache
