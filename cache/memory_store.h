// The in-process store: entries in an LRU bounded by bytes (max_bytes, split over
// shards, each with its own mutex, so threads storing different keys do not wait on each
// other), expired by TTL when touched and at the cold end as new ones come, and the
// vectors of the semantic lookup in a VectorIndex.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "cache/store.h"
#include "cache/vector_index.h"

namespace tollgate::cache {

class MemoryStore final : public Store {
 public:
  MemoryStore(std::uint64_t max_bytes, std::size_t max_vectors, std::size_t index_above,
              IndexKind kind = IndexKind::lsh);

  boost::asio::awaitable<AnswerPtr> get(const std::string& key) override;
  boost::asio::awaitable<std::optional<SemanticHit>> similar(const std::string& context,
                                                             const Embedding& vector,
                                                             float threshold) override;
  boost::asio::awaitable<void> put(const std::string& key, const CachedAnswer& answer,
                                   std::chrono::seconds ttl, const EntryTags& tags,
                                   const SemanticPart* semantic) override;
  bool put_now(const std::string& key, const CachedAnswer& answer, std::chrono::seconds ttl,
               const EntryTags& tags, const SemanticPart* semantic) override {
    insert(key, answer, ttl, tags, semantic);
    return true;
  }
  bool may_hold_context(const std::string& context) override { return vectors_.holds(context); }
  boost::asio::awaitable<std::uint64_t> purge(const std::string& scope) override;
  boost::asio::awaitable<StoreStats> stats() override;
  void resize(std::uint64_t max_bytes) override;

  // The same without a coroutine (tests, the benchmark).
  AnswerPtr find(const std::string& key, bool semantic);
  void insert(const std::string& key, const CachedAnswer& answer, std::chrono::seconds ttl,
              const EntryTags& tags, const SemanticPart* semantic);
  std::optional<SemanticHit> find_similar(const std::string& context, const Embedding& vector,
                                          float threshold);
  std::uint64_t remove_scope(const std::string& scope);
  std::uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  std::uint64_t entries() const { return entries_.load(std::memory_order_relaxed); }
  VectorIndex& vectors() { return vectors_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::shared_ptr<const CachedAnswer> answer;
    Clock::time_point exact_until, semantic_until;
    std::size_t bytes = 0;
    EntryTags tags;
    std::string context;  // empty: no vector
    std::list<std::string>::iterator lru;
  };
  static constexpr std::size_t kShards = 16;
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Entry> entries;
    std::list<std::string> lru;  // most recent first
    std::uint64_t bytes = 0;
  };
  // A removed entry whose vector must go too (removed outside the shard's lock).
  struct Orphan {
    std::string context, key;
  };

  Shard& shard_of(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % kShards];
  }
  void erase(Shard& s, std::unordered_map<std::string, Entry>::iterator it,
             std::vector<Orphan>& orphans);
  void drop_vectors(const std::vector<Orphan>& orphans);

  std::atomic<std::uint64_t> max_bytes_;
  std::atomic<std::uint64_t> bytes_{0}, entries_{0};
  std::array<Shard, kShards> shards_;
  VectorIndex vectors_;
};

}  // namespace tollgate::cache
