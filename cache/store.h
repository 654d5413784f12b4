// Where entries live: in this process (MemoryStore, bounded LRU by bytes) or in Redis
// (RedisStore, shared by replicas). Every call may wait; none throws: a store that cannot
// answer is a miss, and a store that cannot keep an entry drops it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "cache/cached_answer.h"
#include "cache/embedder.h"

namespace tollgate::cache {

// Who stored an entry, for purges (`DELETE /admin/cache?scope=team:ID`).
struct EntryTags {
  std::string key_id, user, team;
};

// What the semantic side of an entry needs: its context (which covers the prompt's
// numbers, request_key.h) and its vector.
struct SemanticPart {
  std::string context;
  Embedding vector;
  std::chrono::seconds ttl;
};

// A stored answer, shared with the store: a hit reads it where it lies (an answer may be
// megabytes; copying it out cost a sixth of a large hit's CPU). Null: no entry.
using AnswerPtr = std::shared_ptr<const CachedAnswer>;

struct SemanticHit {
  AnswerPtr answer;
  float similarity = 0;
};

struct StoreStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t vectors = 0;
  std::uint64_t hits = 0;
  std::uint64_t semantic_hits = 0;
  std::uint64_t misses = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual boost::asio::awaitable<AnswerPtr> get(const std::string& key) = 0;
  virtual boost::asio::awaitable<std::optional<SemanticHit>> similar(const std::string& context,
                                                                     const Embedding& vector,
                                                                     float threshold) = 0;
  // `semantic` null: exact only.
  virtual boost::asio::awaitable<void> put(const std::string& key, const CachedAnswer& answer,
                                           std::chrono::seconds ttl, const EntryTags& tags,
                                           const SemanticPart* semantic) = 0;
  // The same, done before returning when the store can (in process: a map insert), so a
  // client that repeats a request the moment it has the answer, even on another
  // connection and worker, finds it. False: the store needs I/O; call put().
  virtual bool put_now(const std::string& key, const CachedAnswer& answer, std::chrono::seconds ttl,
                       const EntryTags& tags, const SemanticPart* semantic) {
    (void)key, (void)answer, (void)ttl, (void)tags, (void)semantic;
    return false;
  }
  // False only when no vector of `context` is stored, so a semantic lookup would find
  // nothing: the builtin embedding is then not made (most prompts open a context of their
  // own: the numbers in them are part of it). True when the store cannot tell cheaply.
  virtual bool may_hold_context(const std::string& context) {
    (void)context;
    return true;
  }
  // `scope` empty: everything; else "key:ID", "user:ID" or "team:ID". Returns entries removed.
  virtual boost::asio::awaitable<std::uint64_t> purge(const std::string& scope) = 0;
  virtual boost::asio::awaitable<StoreStats> stats() = 0;
  // Counted by the stage (this process's lookups), reported by stats().
  void count(std::string_view result) {
    if (result == "hit") hits_.fetch_add(1, std::memory_order_relaxed);
    if (result == "semantic-hit") semantic_hits_.fetch_add(1, std::memory_order_relaxed);
    if (result == "miss") misses_.fetch_add(1, std::memory_order_relaxed);
  }
  // The memory bound for the next config (a reload may change max_bytes).
  virtual void resize(std::uint64_t max_bytes) { (void)max_bytes; }

 protected:
  // The counts, with the store's own figures left for it to fill.
  StoreStats counted() const {
    StoreStats out;
    out.hits = hits_.load(std::memory_order_relaxed);
    out.semantic_hits = semantic_hits_.load(std::memory_order_relaxed);
    out.misses = misses_.load(std::memory_order_relaxed);
    return out;
  }

 private:
  std::atomic<std::uint64_t> hits_{0}, semantic_hits_{0}, misses_{0};
};

}  // namespace tollgate::cache
