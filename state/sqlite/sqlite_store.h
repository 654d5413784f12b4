// The local durable state: the usage ledger and the keys created through the admin API,
// in one SQLite file (WAL mode). Calls block on disk, so they are made from the usage
// flusher thread and the admin listener, never from a worker serving requests.
// Thread-safe (one connection behind a mutex; writes are batched, so it is seldom held).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct sqlite3;

namespace tollgate::state {

// Counters of one scope ("key:app-prod", "user:alice", "team:search") in one period
// ("2026-11-25" for a UTC day, "2026-11" for a UTC month). Cost is in nano-USD so that
// sums are exact integers.
struct UsageCounters {
  std::int64_t requests = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cost_nusd = 0;

  UsageCounters& operator+=(const UsageCounters& o) {
    requests += o.requests;
    prompt_tokens += o.prompt_tokens;
    completion_tokens += o.completion_tokens;
    cost_nusd += o.cost_nusd;
    return *this;
  }
  std::int64_t tokens() const { return prompt_tokens + completion_tokens; }
};

struct UsageRow {
  std::string scope;
  std::string period;
  UsageCounters counters;
};

// A key made through the admin API. The key itself is never stored: only its SHA-256.
struct StoredKey {
  std::string id;
  std::string sha256_hex;
  std::string user;
  std::string team;
  std::vector<std::string> tags;
  std::vector<std::string> models;
  std::string limits_json;      // {"rpm":..,"tpm":..,...}; "{}" when none
  std::int64_t created_at = 0;  // unix seconds
  std::optional<std::int64_t> revoked_at;
};

class SqliteStore {
 public:
  // Opens (creating it and its directory when absent) and migrates the schema. Throws
  // std::runtime_error naming the file when it cannot.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  const std::string& path() const { return path_; }

  // Adds the deltas to the ledger in one transaction (so a crash keeps all or none).
  void add_usage(std::span<const UsageRow> deltas);
  // Rows whose period is one of `periods`; every scope when `scope` is empty.
  std::vector<UsageRow> usage(std::span<const std::string> periods, const std::string& scope = {});

  // Throws std::runtime_error when the id or the hash is taken.
  void insert_key(const StoredKey& key);
  // Marks the key revoked; false when there is no such key or it was revoked already.
  bool revoke_key(const std::string& id, std::int64_t at);
  std::vector<StoredKey> list_keys();
  std::optional<StoredKey> find_key_by_id(const std::string& id);
  std::optional<StoredKey> find_key_by_hash(const std::string& sha256_hex);
  // Active (not revoked) keys, for the in-memory directory.
  std::vector<StoredKey> active_keys();

 private:
  void exec(const char* sql);
  std::vector<StoredKey> query_keys(const char* where, const std::string& arg);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

// "a","b" <-> ["a","b"] for the tags and models columns (JSON arrays of strings).
std::string strings_to_json(const std::vector<std::string>& values);
std::vector<std::string> strings_from_json(const std::string& json);

}  // namespace tollgate::state
