// The model embedder's answers (a provider's is hostile: bounded, finite, normalised) and
// vectors of a model's dimension in the index and the memory store: a dimension other
// than a context's first is neither stored nor compared (a miss, never a crash).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "cache/memory_store.h"
#include "cache/model_embedder.h"
#include "cache/vector_index.h"

using namespace tollgate::cache;

namespace {

std::string answer_with(const std::string& values) {
  return R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[)" + values +
         R"(]}],"model":"e","usage":{"prompt_tokens":3,"total_tokens":3}})";
}

Embedding unit(std::size_t dims, std::size_t axis) {
  Embedding v(dims, 0.0f);
  v[axis] = 1.0f;
  return v;
}

}  // namespace

TEST_CASE("model embedder: the request asks for floats of the named model", "[cache]") {
  CHECK(embedding_request("emb", "hi \"there\"") ==
        R"({"model":"emb","input":"hi \"there\"","encoding_format":"float"})");
}

TEST_CASE("model embedder: an answer's vector is read and normalised", "[cache]") {
  Embedding v;
  REQUIRE(read_embedding_answer(answer_with("3,4"), v));
  REQUIRE(v.size() == 2);
  CHECK(v[0] == Approx(0.6));
  CHECK(v[1] == Approx(0.8));
  std::string big;
  for (int i = 0; i < 1536; ++i) big += (i ? "," : "") + std::to_string(i % 7 - 3);
  REQUIRE(read_embedding_answer(answer_with(big), v));
  CHECK(v.size() == 1536);
  float norm = 0;
  for (float x : v) norm += x * x;
  CHECK(norm == Approx(1.0f));
  REQUIRE(read_embedding_answer(answer_with("1e38,1e38"), v));  // no overflow on the way
  CHECK(v[0] == Approx(std::sqrt(0.5)));
}

TEST_CASE("model embedder: a hostile or broken answer is no vector", "[cache]") {
  Embedding v;
  CHECK_FALSE(read_embedding_answer("", v));
  CHECK_FALSE(read_embedding_answer("not json", v));
  CHECK_FALSE(read_embedding_answer(R"({"data":[]})", v));
  CHECK_FALSE(read_embedding_answer(R"({"data":[{"embedding":"AAAAPw=="}]})", v));  // base64
  CHECK_FALSE(read_embedding_answer(answer_with(""), v));
  CHECK_FALSE(read_embedding_answer(answer_with("0,0,0"), v));
  CHECK_FALSE(read_embedding_answer(answer_with("1,\"2\""), v));
  CHECK_FALSE(read_embedding_answer(answer_with("1,1e400"), v));  // not a finite float
  std::string too_many;
  for (std::size_t i = 0; i <= kMaxDims; ++i) too_many += i ? ",1" : "1";
  CHECK_FALSE(read_embedding_answer(answer_with(too_many), v));
  CHECK_FALSE(read_embedding_answer(std::string(kMaxEmbeddingAnswer + 1, ' '), v));
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  CHECK_FALSE(read_embedding_answer(deep, v));
}

TEST_CASE("vector index: a model's dimension, fixed per context by its first vector", "[cache]") {
  IndexKind kind = GENERATE(IndexKind::lsh, IndexKind::hnsw);
  VectorIndex index(100000, 16, kind);
  for (std::size_t i = 0; i < 40; ++i) {
    REQUIRE(index.add("ctx", "e" + std::to_string(i), unit(1536, i)));
  }
  auto m = index.find("ctx", unit(1536, 7), 0.9f);
  REQUIRE(m);
  CHECK(m->key == "e7");
  // Another dimension in that context: neither stored nor compared.
  CHECK_FALSE(index.add("ctx", "other", unit(256, 7)));
  CHECK_FALSE(index.find("ctx", unit(256, 7), 0.1f));
  CHECK_FALSE(index.find("ctx", unit(1535, 7), 0.1f));
  // Another context may have another dimension; and nothing past kMaxDims, or empty.
  CHECK(index.add("ctx2", "x", unit(3, 1)));
  CHECK(index.find("ctx2", unit(3, 1), 0.99f));
  CHECK_FALSE(index.add("ctx3", "y", unit(kMaxDims + 1, 0)));
  CHECK_FALSE(index.add("ctx3", "y", Embedding{}));
  CHECK(index.size() == 41);
}

TEST_CASE("memory store: a model's vector counts in max_bytes", "[cache]") {
  MemoryStore store(1 << 20, 1000, 2048);
  CachedAnswer answer;
  answer.body = R"({"choices":[{"index":0,"message":{"role":"assistant","content":"a"}}]})";
  answer.text = "a";
  answer.convertible = true;
  store.insert("plain", answer, std::chrono::seconds(60), {}, nullptr);
  std::uint64_t plain = store.bytes();
  SemanticPart semantic{"ctx", unit(4096, 0), std::chrono::seconds(60)};
  store.insert("wide", answer, std::chrono::seconds(60), {}, &semantic);
  CHECK(store.bytes() - plain >= 4096 * sizeof(float));
  auto hit = store.find_similar("ctx", unit(4096, 0), 0.99f);
  REQUIRE(hit);
  CHECK_FALSE(store.find_similar("ctx", unit(256, 0), 0.1f));
}
