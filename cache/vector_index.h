// The semantic index: vectors grouped by context (scope, model, system prompt, earlier
// turns and the prompt's numbers, hashed exactly), so a lookup compares only prompts that
// could share an answer.
// A context's vectors are scanned flat (SIMD inner products) while they are few, and
// indexed past `index_above`: by LSH bands (lsh_bands.h, the default) or an HNSW graph
// (hnswlib). Sharded by context, a mutex each: threads looking up different contexts do
// not wait on each other.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "cache/embedder.h"

namespace tollgate::cache {

struct VectorMatch {
  std::string key;  // the exact key of the entry that answered
  float similarity = 0;
};

enum class IndexKind { lsh, hnsw };

class VectorIndex {
 public:
  VectorIndex(std::size_t max_entries, std::size_t index_above, IndexKind kind = IndexKind::lsh);
  ~VectorIndex();

  // False when the index is full (max_entries): the entry is still kept for exact hits.
  bool add(const std::string& context, const std::string& key, const Embedding& vector);
  // The most similar vector of `context` at `threshold` or above.
  std::optional<VectorMatch> find(const std::string& context, const Embedding& vector,
                                  float threshold) const;
  // Whether `context` has a vector: a lookup in a context with none needs no embedding.
  bool holds(const std::string& context) const;
  void remove(const std::string& context, const std::string& key);
  void clear();
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  // Bytes the vectors and their bookkeeping take (GET /admin/cache, the benchmark).
  std::size_t bytes() const;

  struct Bucket;

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::unique_ptr<Bucket>> buckets;
  };
  Shard& shard_of(const std::string& context) const;

  std::size_t max_entries_;
  std::size_t index_above_;
  IndexKind kind_;
  std::atomic<std::size_t> size_{0};
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace tollgate::cache
