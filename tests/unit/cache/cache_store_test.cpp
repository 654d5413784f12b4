// The memory store and the vector index: bounded by bytes (least recently used out
// first), TTLs, purges by scope, vectors kept per context, found flat and through HNSW,
// numbers checked, and gone with their entries.
#include <catch2/catch.hpp>

#include <random>
#include <thread>

#include "cache/memory_store.h"
#include "cache/vector_index.h"

using namespace tollgate::cache;

namespace {

CachedAnswer answer_of(const std::string& text) {
  CachedAnswer a;
  a.body =
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":")" + text + R"("}}]})";
  a.text = text;
  a.convertible = true;
  return a;
}

Embedding random_unit(std::mt19937& rng, std::size_t dims = kBuiltinDims) {
  std::normal_distribution<float> normal;
  Embedding v(dims);
  float norm = 0;
  for (float& x : v) {
    x = normal(rng);
    norm += x * x;
  }
  for (float& x : v) x /= std::sqrt(norm);
  return v;
}

}  // namespace

TEST_CASE("memory store: bounded by bytes, least recently used out first", "[cache]") {
  MemoryStore store(16 * 4096, 0, 2048);
  const std::string big(1000, 'x');
  for (int i = 0; i < 1000; ++i) {
    store.insert("k" + std::to_string(i), answer_of(big), std::chrono::seconds(60), {}, nullptr);
  }
  CHECK(store.bytes() <= 16 * 4096);
  CHECK(store.entries() < 1000);
  CHECK(store.find("k999", false));  // the newest stays
  CHECK_FALSE(store.find("k0", false));
  // Too large for a shard's share: never stored.
  store.insert("huge", answer_of(std::string(8192, 'y')), std::chrono::seconds(60), {}, nullptr);
  CHECK_FALSE(store.find("huge", false));
}

TEST_CASE("memory store: TTL, semantic TTL and purge by scope", "[cache]") {
  MemoryStore store(1 << 24, 100, 2048);
  store.insert("short", answer_of("a"), std::chrono::seconds(1), {"k1", "ann", "red"}, nullptr);
  Embedding v(kBuiltinDims);
  v[0] = 1;
  SemanticPart semantic{"ctx", v, std::chrono::seconds(60)};
  CHECK_FALSE(store.may_hold_context("ctx"));  // no vector yet: the lookup needs no embedding
  store.insert("both", answer_of("b"), std::chrono::seconds(1), {"k2", "bob", "blue"}, &semantic);
  CHECK(store.find("short", false));
  CHECK(store.may_hold_context("ctx"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK_FALSE(store.find("short", false));
  CHECK_FALSE(store.find("both", false));  // past its exact TTL...
  auto similar = store.find_similar("ctx", v, 0.9f);
  REQUIRE(similar);  // ...still a semantic answer
  CHECK(similar->answer->text == "b");
  store.insert("c", answer_of("c"), std::chrono::seconds(60), {"k3", "cat", "red"}, nullptr);
  store.insert("d", answer_of("d"), std::chrono::seconds(60), {"k4", "dan", "blue"}, nullptr);
  CHECK(store.remove_scope("team:blue") == 2);
  CHECK(store.find("c", false));
  CHECK_FALSE(store.find_similar("ctx", v, 0.9f));  // its vector went with it
  CHECK_FALSE(store.may_hold_context("ctx"));
  CHECK_FALSE(store.may_hold_context("other"));
  CHECK(store.vectors().size() == 0);
  CHECK(store.remove_scope("") == 1);
  CHECK(store.entries() == 0);
}

TEST_CASE("vector index: per context, flat then LSH or HNSW", "[cache]") {
  IndexKind kind = GENERATE(IndexKind::lsh, IndexKind::hnsw);
  CAPTURE(kind == IndexKind::lsh ? "lsh" : "hnsw");
  std::mt19937 rng(7);
  VectorIndex index(100000, 256, kind);
  std::vector<Embedding> vectors;
  for (int i = 0; i < 3000; ++i) {
    vectors.push_back(random_unit(rng));
    REQUIRE(index.add("ctx", "e" + std::to_string(i), vectors.back()));
  }
  CHECK(index.size() == 3000);
  int found = 0;
  for (int i = 0; i < 3000; i += 37) {
    auto m = index.find("ctx", vectors[i], 0.95f);
    found += m && m->key == "e" + std::to_string(i) ? 1 : 0;
  }
  CHECK(found >= 78);                                  // of 82: the index's recall on exact vectors
  CHECK_FALSE(index.find("other", vectors[3], 0.5f));  // other context
  CHECK_FALSE(index.find("ctx", random_unit(rng), 0.9f));  // nothing that close
  for (int i = 0; i < 2900; ++i) index.remove("ctx", "e" + std::to_string(i));
  CHECK(index.size() == 100);
  CHECK_FALSE(index.find("ctx", vectors[5], 0.95f));
  auto m = index.find("ctx", vectors[2950], 0.95f);
  REQUIRE(m);
  CHECK(m->key == "e2950");
  VectorIndex small(2, 256);
  CHECK(small.add("c", "a", vectors[0]));
  CHECK(small.add("c", "b", vectors[1]));
  CHECK_FALSE(small.add("c", "c", vectors[2]));  // max_entries
}
