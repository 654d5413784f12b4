// The Redis store (`store: redis`, over state.redis): entries, the tags purges go by, and
// the semantic vectors live in Redis, so every replica sees what any of them stored.
// Keys, under state.key_prefix: cache:e:<exact key> (the entry, with its exact and
// semantic deadlines, expiring at the later), cache:t:<key:ID|user:ID|team:ID> (a set of
// entry keys), cache:v:<context> (a hash: entry key → semantic deadline and vector).
#pragma once

#include <atomic>

#include "cache/store.h"

namespace tollgate::state {
class StateServices;
}

namespace tollgate::cache {

class RedisStore final : public Store {
 public:
  explicit RedisStore(state::StateServices& state) : state_(state) {}

  boost::asio::awaitable<AnswerPtr> get(const std::string& key) override;
  boost::asio::awaitable<std::optional<SemanticHit>> similar(const std::string& context,
                                                             const Embedding& vector,
                                                             float threshold) override;
  boost::asio::awaitable<void> put(const std::string& key, const CachedAnswer& answer,
                                   std::chrono::seconds ttl, const EntryTags& tags,
                                   const SemanticPart* semantic) override;
  boost::asio::awaitable<std::uint64_t> purge(const std::string& scope) override;
  boost::asio::awaitable<StoreStats> stats() override;

 private:
  // The entry if its deadline (exact or semantic) has not passed; nullopt on any failure.
  boost::asio::awaitable<std::optional<CachedAnswer>> fetch(const std::string& key, bool semantic);

  state::StateServices& state_;
};

}  // namespace tollgate::cache
