#include "cache/memory_store.h"

namespace tollgate::cache {

MemoryStore::MemoryStore(std::uint64_t max_bytes, std::size_t max_vectors, std::size_t index_above,
                         IndexKind kind)
    : max_bytes_(max_bytes), vectors_(max_vectors, index_above, kind) {}

void MemoryStore::erase(Shard& s, std::unordered_map<std::string, Entry>::iterator it,
                        std::vector<Orphan>& orphans) {
  if (!it->second.context.empty()) orphans.push_back({it->second.context, it->first});
  s.bytes -= it->second.bytes;
  bytes_.fetch_sub(it->second.bytes, std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  s.lru.erase(it->second.lru);
  s.entries.erase(it);
}

void MemoryStore::drop_vectors(const std::vector<Orphan>& orphans) {
  for (const auto& o : orphans) vectors_.remove(o.context, o.key);
}

AnswerPtr MemoryStore::find(const std::string& key, bool semantic) {
  Shard& s = shard_of(key);
  std::vector<Orphan> orphans;
  AnswerPtr found;
  {
    std::lock_guard lock(s.mutex);
    auto it = s.entries.find(key);
    if (it == s.entries.end()) return nullptr;
    auto now = Clock::now();
    Entry& e = it->second;
    if (now >= std::max(e.exact_until, e.semantic_until)) {
      erase(s, it, orphans);
    } else if (now < (semantic ? e.semantic_until : e.exact_until)) {
      s.lru.splice(s.lru.begin(), s.lru, e.lru);
      found = e.answer;
    }
  }
  drop_vectors(orphans);
  return found;
}

void MemoryStore::insert(const std::string& key, const CachedAnswer& answer,
                         std::chrono::seconds ttl, const EntryTags& tags,
                         const SemanticPart* semantic) {
  auto made = std::make_shared<const CachedAnswer>(answer);
  // The vector counts too: a model's may be 32 KB, more than most answers.
  std::size_t size = made->bytes() + key.size() * 2 + sizeof(Entry) + 64;
  if (semantic != nullptr)
    size += semantic->vector.size() * sizeof(float) + semantic->context.size();
  std::uint64_t budget = max_bytes_.load(std::memory_order_relaxed) / kShards;
  if (size > budget) return;  // larger than a shard may hold: never stored
  Shard& s = shard_of(key);
  std::vector<Orphan> orphans;
  {
    std::lock_guard lock(s.mutex);
    if (auto old = s.entries.find(key); old != s.entries.end()) erase(s, old, orphans);
    // The cold end: expired entries first, then as many as the new one needs.
    auto now = Clock::now();
    for (int i = 0; i < 2 && !s.lru.empty(); ++i) {
      auto it = s.entries.find(s.lru.back());
      if (now < std::max(it->second.exact_until, it->second.semantic_until)) break;
      erase(s, it, orphans);
    }
    while (!s.lru.empty() && s.bytes + size > budget)
      erase(s, s.entries.find(s.lru.back()), orphans);
    s.lru.push_front(key);
    Entry& e = s.entries[key];
    e.answer = std::move(made);
    e.exact_until = now + ttl;
    e.semantic_until = semantic != nullptr ? now + semantic->ttl : Clock::time_point{};
    e.bytes = size;
    e.tags = tags;
    e.lru = s.lru.begin();
    s.bytes += size;
    bytes_.fetch_add(size, std::memory_order_relaxed);
    entries_.fetch_add(1, std::memory_order_relaxed);
    if (semantic != nullptr) e.context = semantic->context;
  }
  drop_vectors(orphans);
  if (semantic != nullptr) vectors_.add(semantic->context, key, semantic->vector);
}

std::optional<SemanticHit> MemoryStore::find_similar(const std::string& context,
                                                     const Embedding& vector, float threshold) {
  auto match = vectors_.find(context, vector, threshold);
  if (!match) return std::nullopt;
  auto answer = find(match->key, true);
  if (!answer) return std::nullopt;
  return SemanticHit{std::move(answer), match->similarity};
}

std::uint64_t MemoryStore::remove_scope(const std::string& scope) {
  std::uint64_t removed = 0;
  std::vector<Orphan> orphans;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (auto it = s.entries.begin(); it != s.entries.end();) {
      const EntryTags& t = it->second.tags;
      bool match = scope.empty() || scope == "key:" + t.key_id ||
                   (!t.user.empty() && scope == "user:" + t.user) ||
                   (!t.team.empty() && scope == "team:" + t.team);
      auto next = std::next(it);
      if (match) {
        erase(s, it, orphans);
        ++removed;
      }
      it = next;
    }
  }
  drop_vectors(orphans);
  return removed;
}

boost::asio::awaitable<AnswerPtr> MemoryStore::get(const std::string& key) {
  co_return find(key, false);
}

boost::asio::awaitable<std::optional<SemanticHit>> MemoryStore::similar(const std::string& context,
                                                                        const Embedding& vector,
                                                                        float threshold) {
  co_return find_similar(context, vector, threshold);
}

boost::asio::awaitable<void> MemoryStore::put(const std::string& key, const CachedAnswer& answer,
                                              std::chrono::seconds ttl, const EntryTags& tags,
                                              const SemanticPart* semantic) {
  insert(key, answer, ttl, tags, semantic);
  co_return;
}

boost::asio::awaitable<std::uint64_t> MemoryStore::purge(const std::string& scope) {
  co_return remove_scope(scope);
}

boost::asio::awaitable<StoreStats> MemoryStore::stats() {
  StoreStats out = counted();
  out.entries = entries();
  out.bytes = bytes();
  out.vectors = vectors_.size();
  co_return out;
}

void MemoryStore::resize(std::uint64_t max_bytes) {
  max_bytes_.store(max_bytes, std::memory_order_relaxed);
}

}  // namespace tollgate::cache
