// The builtin embedder on a table of prompt pairs: rewordings that should hit at the
// default threshold (0.92), and pairs that must never hit — other numbers (the stage's
// number check), negations, swapped units and other subjects. The hit rates are printed;
// the floors below are what the embedder gives today, so a change that makes it worse fails.
#include <catch2/catch.hpp>

#include <cstdio>

#include "cache/embedder.h"
#include "cache/request_key.h"

using namespace tollgate::cache;

namespace {

struct Pair {
  const char* a;
  const char* b;
};

const Pair kShouldHit[] = {
    {"How many moons does Jupiter have?", "how many moons does jupiter have"},
    {"What is the capital of France?", "what is the capital of france"},
    {"What is the capital of France?", "What's the capital of France?"},
    {"Explain how photosynthesis works", "Explain how photosynthesis works, please."},
    {"Explain how photosynthesis works", "Please explain how photosynthesis works"},
    {"Write a haiku about the sea", "write a haiku about the sea!"},
    {"Translate 'good morning' into Spanish", "Translate \"good morning\" into Spanish."},
    {"List the planets of the solar system", "List the planets in the solar system"},
    {"Summarise the causes of the First World War", "Summarize the causes of the First World War"},
    {"Give me three tips for better sleep", "give me 3 tips for better sleep"},
    {"What does HTTP status 404 mean?", "what does http status 404 mean"},
    {"How do I reverse a list in Python?", "How can I reverse a list in Python?"},
    {"Who wrote Pride and Prejudice?", "who wrote pride and prejudice"},
    {"What is the boiling point of water at sea level?",
     "What's the boiling point of water at sea level"},
    {"Recommend a good book about history", "Recommend a good history book"},
    {"How do I make a cup of green tea?", "How do I make a cup of green tea"},
    {"Describe the water cycle for a ten year old", "describe the water cycle for a ten-year-old"},
    {"What is the difference between TCP and UDP?", "What's the difference between TCP and UDP"},
    {"Convert this sentence to passive voice: the cat ate the fish",
     "Convert this sentence into passive voice: the cat ate the fish"},
    {"Tell me a joke about programmers", "Tell me a joke about programmers."},
};

const Pair kMustMiss[] = {
    {"What is 15% of 80?", "What is 15% of 90?"},
    {"Convert 5 km to miles", "Convert 5 miles to km"},
    {"Convert 100 fahrenheit to celsius", "Convert 100 celsius to fahrenheit"},
    {"Is it safe to eat raw eggs?", "Is it not safe to eat raw eggs?"},
    {"Should I use tabs for indentation?", "Should I never use tabs for indentation?"},
    {"Write a poem about love", "Write a poem about war"},
    {"What is the capital of France?", "What is the capital of Germany?"},
    {"How many moons does Jupiter have?", "How many moons does Saturn have?"},
    {"Explain quantum computing", "Explain classical computing"},
    {"Translate hello into French", "Translate hello into German"},
    {"Sort this list ascending", "Sort this list descending"},
    {"Who won the 2018 World Cup?", "Who won the 2022 World Cup?"},
    {"Give me a recipe with chicken", "Give me a recipe without chicken"},
    {"What are the benefits of running?", "What are the risks of running?"},
    {"List prime numbers below 50", "List prime numbers below 100"},
};

constexpr float kThreshold = 0.92f;

// What the stage decides: similar enough and the same numbers.
bool hits(const Pair& p, float& similarity) {
  Embedding a, b;
  embed_builtin(p.a, a);
  embed_builtin(p.b, b);
  similarity = cosine(a, b);
  return similarity >= kThreshold && numbers_of(p.a) == numbers_of(p.b);
}

}  // namespace

// Prints each pair and returns how many hit.
template <std::size_t N>
int count_hits(const Pair (&pairs)[N], const char* label) {
  int count = 0;
  for (const Pair& p : pairs) {
    float s = 0;
    bool h = hits(p, s);
    count += h ? 1 : 0;
    std::printf("  %s %.3f %s  \"%s\" / \"%s\"\n", label, static_cast<double>(s),
                h ? "hit " : "miss", p.a, p.b);
  }
  return count;
}

TEST_CASE("builtin embedder: paraphrase table hit rates", "[cache][paraphrase]") {
  int hit = count_hits(kShouldHit, "should hit");
  int wrong = count_hits(kMustMiss, "must miss ");
  double rate = static_cast<double>(hit) / std::size(kShouldHit);
  std::printf("builtin embedder at %.2f: %d/%zu rewordings hit (%.0f%%), %d/%zu wrong hits\n",
              static_cast<double>(kThreshold), hit, std::size(kShouldHit), rate * 100, wrong,
              std::size(kMustMiss));
  CHECK(rate >= 0.85);
  CHECK(wrong == 0);
}

TEST_CASE("builtin embedder: normalised, deterministic, empty text is zero", "[cache]") {
  Embedding a, b, empty;
  embed_builtin("The quick brown fox", a);
  embed_builtin("The quick brown fox", b);
  CHECK(cosine(a, b) == Approx(1.0f));
  CHECK(cosine(a, a) == Approx(1.0f));
  embed_builtin("  ...  ", empty);
  CHECK(cosine(empty, empty) == 0.0f);
}
