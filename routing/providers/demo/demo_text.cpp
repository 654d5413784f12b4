// Deterministic content for the demo provider: the same prompt always gives the same
// reply and vector, so first-run output and tests are reproducible.
#include "routing/providers/demo/demo_text.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace tollgate::routing::providers::demo {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// splitmix64: a small, well-mixed generator; quality beyond that does not matter here.
std::uint64_t next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

std::int64_t count_words(std::string_view text) {
  std::int64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    if (is_space(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

std::vector<std::string> split_for_stream(std::string_view text) {
  std::vector<std::string> pieces;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && is_space(text[i])) ++i;
    while (i < text.size() && !is_space(text[i])) ++i;
    pieces.emplace_back(text.substr(start, i - start));
  }
  return pieces;
}

std::string demo_reply(std::string_view prompt) {
  constexpr std::size_t kQuotedWords = 12;
  std::string quoted;
  std::size_t words = 0;
  for (const auto& piece : split_for_stream(prompt)) {
    if (words++ == kQuotedWords) {
      quoted += " ...";
      break;
    }
    quoted += piece;
  }
  while (!quoted.empty() && is_space(quoted.front())) quoted.erase(0, 1);
  if (quoted.empty()) return "Hello from tollgate's demo provider. You sent an empty prompt.";
  return "Hello from tollgate's demo provider. You said: \"" + quoted +
         "\". Point a model at a real provider in conf/tollgate.yaml to get real answers.";
}

std::vector<float> demo_embedding(std::string_view text, std::size_t dimensions) {
  std::vector<float> v(dimensions);
  std::uint64_t state = fnv1a(text);
  double norm = 0;
  for (auto& x : v) {
    x = static_cast<float>(static_cast<double>(next(state) >> 11) / 9007199254740992.0 * 2 - 1);
    norm += static_cast<double>(x) * x;
  }
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (auto& x : v) x = static_cast<float>(x / norm);
  }
  return v;
}

std::string base64_floats(const std::vector<float>& vector) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(vector.size() * 4, '\0');
  for (std::size_t i = 0; i < vector.size(); ++i) {
    auto bits = std::bit_cast<std::uint32_t>(vector[i]);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

}  // namespace tollgate::routing::providers::demo
