// The local durable state: the usage ledger and the keys created through the admin API,
// in one SQLite file (rollback journal). Calls block on disk, so they are made from the usage
// flusher thread, the state's upkeep thread and the admin listener, never from a worker
// serving requests. Thread-safe (one connection behind a mutex; writes are batched, so it
// is seldom held).
//
// A file that stops taking writes (a full disk, `chattr +i`, a read-only remount) does
// not stop the gateway: usage that cannot be written is held in memory (bounded) and
// written by a later call, the first error of an outage is logged and every failed
// attempt counted (health()). A file deleted or replaced while open is noticed on the
// next write or upkeep and written again at its path from the copy still open.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "state/sqlite/write_health.h"

struct sqlite3;

namespace tollgate::state {

class SqliteError;

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

// A write the file refused (a key cannot be created or revoked now): the caller answers
// with an error, nothing was changed.
class StorageUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SqliteStore {
 public:
  // Usage rows (scope × period) held in memory while the file refuses writes. Each is a
  // running sum, so the count grows with the scopes used, not with requests: 100,000 is
  // ~15 MB, days of an outage for tens of thousands of keys. Past it, new rows are
  // dropped and counted (StoreHealth::dropped_usage_rows).
  static constexpr std::size_t kMaxUnwrittenUsageRows = 100'000;

  // Opens (creating it and its directory when absent) and migrates the schema. Throws
  // std::runtime_error naming the file when it cannot: a gateway that cannot open its
  // state at startup does not start.
  explicit SqliteStore(const std::string& path,
                       std::size_t max_unwritten_usage_rows = kMaxUnwrittenUsageRows);
  ~SqliteStore();  // logs the usage it could not write, if any: it is lost
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  const std::string& path() const { return path_; }

  // Adds the deltas to the ledger in one transaction (so a crash keeps all or none),
  // together with anything held from earlier failures. When the file refuses the write,
  // the deltas are held in memory for the next call or upkeep(); never throws for that.
  void add_usage(std::span<const UsageRow> deltas);
  // Rows whose period is one of `periods`; every scope when `scope` is empty. Includes
  // usage held in memory.
  std::vector<UsageRow> usage(std::span<const std::string> periods, const std::string& scope = {});

  // Throws std::runtime_error when the id or the hash is taken, StorageUnavailable when
  // the file refuses the write.
  void insert_key(const StoredKey& key);
  // Marks the key revoked; false when there is no such key or it was revoked already.
  // Throws StorageUnavailable when the file refuses the write.
  bool revoke_key(const std::string& id, std::int64_t at);
  std::vector<StoredKey> list_keys();
  std::optional<StoredKey> find_key_by_id(const std::string& id);
  std::optional<StoredKey> find_key_by_hash(const std::string& sha256_hex);
  // Active (not revoked) keys, for the in-memory directory.
  std::vector<StoredKey> active_keys();

  // Checks that the file is still at its path (writing it again from the open copy when
  // it was deleted or replaced) and retries held usage. Run every state.flush_interval.
  void upkeep();
  StoreHealth health() const;

 private:
  // All with mutex_ held.
  void open();
  void hold(std::span<const UsageRow> deltas);
  void write_held();
  bool file_in_place();
  void rewrite_file();
  void count_failure(const SqliteError& error);
  [[noreturn]] void refused(const SqliteError& error);
  std::vector<StoredKey> query_keys(const char* where, const std::string& arg);

  std::string path_;
  sqlite3* db_ = nullptr;  // null only after a failed rewrite_file(), until open() works
  mutable std::mutex mutex_;
  WriteHealth health_;
  std::size_t max_unwritten_rows_;
  std::map<std::pair<std::string, std::string>, UsageCounters> unwritten_;  // by scope, period
  // Mirrors of unwritten_.size() and the rows dropped, for health() (which a scrape calls
  // and must not wait for a slow disk behind mutex_).
  std::atomic<std::size_t> unwritten_rows_{0};
  std::atomic<std::uint64_t> dropped_rows_{0};
  bool moved_noticed_ = false;  // the deleted file was logged; until it is written again
};

// "a","b" <-> ["a","b"] for the tags and models columns (JSON arrays of strings).
std::string strings_to_json(const std::vector<std::string>& values);
std::vector<std::string> strings_from_json(const std::string& json);

}  // namespace tollgate::state
