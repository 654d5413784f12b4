#include "cache/redis_store.h"

#include <algorithm>
#include <cstring>

#include <boost/asio/this_coro.hpp>

#include "gateway/core/log.h"
#include "state/state_services.h"

namespace tollgate::cache {

namespace asio = boost::asio;

namespace {

// A context holds at most this many vectors in Redis, and at most this many bytes of
// them: a lookup reads them all (4096 of the builtin's, 1300 of 1536 dimensions).
constexpr long long kMaxVectorsPerContext = 4096;
constexpr std::size_t kMaxVectorBytesPerContext = 8u << 20;
constexpr int kMaxScanRounds = 10000;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "exact_until semantic_until\n" then the serialized answer.
std::string entry_value(const CachedAnswer& answer, std::int64_t exact_until,
                        std::int64_t semantic_until) {
  return std::to_string(exact_until) + " " + std::to_string(semantic_until) + "\n" +
         serialize(answer);
}

std::optional<CachedAnswer> read_entry(std::string_view value, bool semantic) {
  auto newline = value.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  long long exact_until = 0, semantic_until = 0;
  if (std::sscanf(std::string(value.substr(0, newline)).c_str(), "%lld %lld", &exact_until,
                  &semantic_until) != 2) {
    return std::nullopt;
  }
  if (unix_now() >= (semantic ? semantic_until : exact_until)) return std::nullopt;
  return deserialize(value.substr(newline + 1));
}

// A vector's value in cache:v:<context>: the unix second its semantic deadline passes,
// then the vector. A lookup drops what has passed it, so a context's cap counts live
// vectors only.
std::size_t vector_value_size(std::size_t dims) {
  return sizeof(std::int64_t) + sizeof(float) * dims;
}
// Entries looked up for one semantic lookup, best first, past ones gone since.
constexpr std::size_t kMaxTries = 4;

std::string vector_value(std::int64_t until, const Embedding& v) {
  std::string out(vector_value_size(v.size()), '\0');
  std::memcpy(out.data(), &until, sizeof until);
  std::memcpy(out.data() + sizeof until, v.data(), sizeof(float) * v.size());
  return out;
}

struct Candidate {
  float similarity;
  std::string key;
};

// The vectors of a context's hash (field, value, ...) at `threshold` or above, best
// first; fields whose deadline passed, or not of this form, go to `gone` (an HDEL). A
// vector of another dimension than the query's is never compared (a miss).
void read_candidates(const std::vector<state::RedisReply>& items, const Embedding& vector,
                     float threshold, std::vector<Candidate>& out, std::vector<std::string>& gone) {
  std::int64_t now = unix_now();
  Embedding stored(vector.size());
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    std::string_view value = items[i + 1].str;
    std::int64_t until = 0;
    bool shaped = value.size() > sizeof until && (value.size() - sizeof until) % sizeof(float) == 0;
    if (shaped) std::memcpy(&until, value.data(), sizeof until);
    if (now >= until) {
      gone.push_back(items[i].str);
      continue;
    }
    if (value.size() != vector_value_size(vector.size())) continue;
    std::memcpy(stored.data(), value.data() + sizeof until, sizeof(float) * stored.size());
    float sim = cosine(vector, stored);
    if (sim >= threshold) out.push_back({sim, items[i].str});
  }
  std::sort(out.begin(), out.end(),
            [](const Candidate& a, const Candidate& b) { return a.similarity > b.similarity; });
}

}  // namespace

asio::awaitable<std::optional<CachedAnswer>> RedisStore::fetch(const std::string& key,
                                                               bool semantic) {
  try {
    auto& redis = state_.redis(co_await asio::this_coro::executor);
    std::vector<std::string> argv{"GET", state_.redis_key("cache:e:" + key)};
    state::RedisReply reply = co_await redis.command(argv);
    if (reply.type != state::RedisReply::Type::string) co_return std::nullopt;
    co_return read_entry(reply.str, semantic);
  } catch (const std::exception& e) {
    core::log_warn(std::string("cache: redis lookup failed, served as a miss: ") + e.what());
    co_return std::nullopt;
  }
}

asio::awaitable<AnswerPtr> RedisStore::get(const std::string& key) {
  auto answer = co_await fetch(key, false);
  if (!answer) co_return nullptr;
  co_return std::make_shared<const CachedAnswer>(std::move(*answer));
}

asio::awaitable<std::optional<SemanticHit>> RedisStore::similar(const std::string& context,
                                                                const Embedding& vector,
                                                                float threshold) {
  std::string vectors = state_.redis_key("cache:v:" + context);
  std::vector<Candidate> candidates;
  std::vector<std::string> gone{"HDEL", vectors};
  try {
    auto& redis = state_.redis(co_await asio::this_coro::executor);
    std::vector<std::string> argv{"HGETALL", vectors};
    state::RedisReply reply = co_await redis.command(argv);
    read_candidates(reply.elements, vector, threshold, candidates, gone);
  } catch (const std::exception& e) {
    core::log_warn(std::string("cache: redis lookup failed, served as a miss: ") + e.what());
    co_return std::nullopt;
  }
  // The best whose entry is still there (a purge removes entries, not their vectors).
  std::optional<SemanticHit> hit;
  for (std::size_t i = 0; i < candidates.size() && i < kMaxTries && !hit; ++i) {
    if (auto answer = co_await fetch(candidates[i].key, true)) {
      hit = SemanticHit{std::make_shared<const CachedAnswer>(std::move(*answer)),
                        candidates[i].similarity};
    } else {
      gone.push_back(std::move(candidates[i].key));
    }
  }
  if (gone.size() > 2) {
    try {
      auto& redis = state_.redis(co_await asio::this_coro::executor);
      co_await redis.command(gone);
    } catch (const std::exception& e) {
      core::log_warn(std::string("cache: stale vectors could not be dropped: ") + e.what());
    }
  }
  co_return hit;
}

asio::awaitable<void> RedisStore::put(const std::string& key, const CachedAnswer& answer,
                                      std::chrono::seconds ttl, const EntryTags& tags,
                                      const SemanticPart* semantic) {
  auto& redis = state_.redis(co_await asio::this_coro::executor);
  std::int64_t now = unix_now();
  std::int64_t semantic_until = semantic != nullptr ? now + semantic->ttl.count() : 0;
  std::int64_t longest = std::max<std::int64_t>(ttl.count(), semantic_until - now);
  std::string entry = state_.redis_key("cache:e:" + key);
  std::vector<std::string> set{"SET", entry, entry_value(answer, now + ttl.count(), semantic_until),
                               "EX", std::to_string(longest)};
  co_await redis.command(set);
  for (const std::string& tag : {tags.key_id.empty() ? "" : "key:" + tags.key_id,
                                 tags.user.empty() ? "" : "user:" + tags.user,
                                 tags.team.empty() ? "" : "team:" + tags.team}) {
    if (tag.empty()) continue;
    std::string name = state_.redis_key("cache:t:" + tag);
    std::vector<std::string> add{"SADD", name, key};
    co_await redis.command(add);
    std::vector<std::string> expire{"EXPIRE", name, std::to_string(longest)};
    co_await redis.command(expire);
  }
  if (semantic == nullptr) co_return;
  std::string vectors = state_.redis_key("cache:v:" + semantic->context);
  std::vector<std::string> len{"HLEN", vectors};
  long long cap = std::min<long long>(
      kMaxVectorsPerContext, static_cast<long long>(kMaxVectorBytesPerContext /
                                                    vector_value_size(semantic->vector.size())));
  if ((co_await redis.command(len)).integer >= cap) co_return;
  std::vector<std::string> hset{"HSET", vectors, key,
                                vector_value(semantic_until, semantic->vector)};
  co_await redis.command(hset);
  std::vector<std::string> expire{"EXPIRE", vectors, std::to_string(semantic->ttl.count())};
  co_await redis.command(expire);
}

asio::awaitable<std::uint64_t> RedisStore::purge(const std::string& scope) {
  auto& redis = state_.redis(co_await asio::this_coro::executor);
  std::uint64_t removed = 0;
  if (!scope.empty()) {
    std::string tag = state_.redis_key("cache:t:" + scope);
    std::vector<std::string> members{"SMEMBERS", tag};
    state::RedisReply reply = co_await redis.command(members);
    std::vector<std::string> del{"DEL"};
    for (const auto& m : reply.elements) del.push_back(state_.redis_key("cache:e:" + m.str));
    if (del.size() > 1) removed = static_cast<std::uint64_t>((co_await redis.command(del)).integer);
    std::vector<std::string> drop{"DEL", tag};
    co_await redis.command(drop);
    co_return removed;  // vectors of removed entries are dropped when a lookup meets them
  }
  std::string cursor = "0";
  std::string entry_prefix = state_.redis_key("cache:e:");
  for (int round = 0; round < kMaxScanRounds; ++round) {
    std::vector<std::string> scan{"SCAN",  cursor, "MATCH", state_.redis_key("cache:*"),
                                  "COUNT", "1000"};
    state::RedisReply reply = co_await redis.command(scan);
    if (reply.elements.size() != 2) break;
    cursor = reply.elements[0].str;
    std::vector<std::string> del{"DEL"};
    for (const auto& k : reply.elements[1].elements) {
      del.push_back(k.str);
      if (k.str.starts_with(entry_prefix)) ++removed;
    }
    if (del.size() > 1) co_await redis.command(del);
    if (cursor == "0") break;
  }
  co_return removed;
}

asio::awaitable<StoreStats> RedisStore::stats() {
  StoreStats out = counted();
  auto& redis = state_.redis(co_await asio::this_coro::executor);
  std::string cursor = "0";
  for (int round = 0; round < kMaxScanRounds; ++round) {
    std::vector<std::string> scan{"SCAN",  cursor, "MATCH", state_.redis_key("cache:e:*"),
                                  "COUNT", "1000"};
    state::RedisReply reply = co_await redis.command(scan);
    if (reply.elements.size() != 2) break;
    cursor = reply.elements[0].str;
    out.entries += reply.elements[1].elements.size();
    if (cursor == "0") break;
  }
  co_return out;
}

}  // namespace tollgate::cache
