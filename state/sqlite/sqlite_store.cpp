// SQLite with a rollback journal and synchronous=FULL: a commit survives a process crash
// (kill -9) and a power loss. The usage flusher commits once a second, which bounds what
// a crash loses. How the connection is opened, and why not WAL: sqlite_connection.cpp.
#include "state/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>

#include <boost/json.hpp>

#include "gateway/core/log.h"
#include "state/sqlite/sqlite_connection.h"

namespace tollgate::state {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS usage (
  scope TEXT NOT NULL,
  period TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cost_nusd INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, period)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  user TEXT NOT NULL DEFAULT '',
  team TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  models TEXT NOT NULL DEFAULT '[]',
  limits TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS write_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  at INTEGER NOT NULL
);
)sql";

constexpr const char* kKeyColumns =
    "SELECT id, sha256, user, team, tags, models, limits, created_at, revoked_at FROM api_keys ";

// Runs `body` in one IMMEDIATE transaction. On an error SQLite may already have rolled
// back (it does for a full disk or an I/O error): a second ROLLBACK would then fail with
// "cannot rollback - no transaction is active" and hide the real error, as it did in
// issue 13. So roll back only when a transaction is still open, and rethrow the first
// error.
template <typename Body>
void in_transaction(sqlite3* db, Body&& body) {
  exec(db, "BEGIN IMMEDIATE");
  try {
    body();
    exec(db, "COMMIT");
  } catch (...) {
    if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::int64_t unix_seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string strings_to_json(const std::vector<std::string>& values) {
  boost::json::array array;
  for (const auto& v : values) array.emplace_back(v);
  return boost::json::serialize(array);
}

std::vector<std::string> strings_from_json(const std::string& json) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_array()) return out;
  for (const auto& item : value.as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

SqliteStore::SqliteStore(const std::string& path, std::size_t max_unwritten_usage_rows)
    : path_(path), health_("state: " + path), max_unwritten_rows_(max_unwritten_usage_rows) {
  try {
    open();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot open " + path + ": " + e.what());
  }
}

SqliteStore::~SqliteStore() {
  std::lock_guard lock(mutex_);
  if (!unwritten_.empty()) {
    core::log_error("state: " + path_ + ": " + std::to_string(unwritten_.size()) +
                    " usage row(s) could not be written before exit and are lost");
  }
  if (db_ != nullptr) sqlite3_close(db_);
}

void SqliteStore::open() {
  std::filesystem::path file(path_);
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) throw std::runtime_error("cannot create its directory: " + ec.message());
  }
  sqlite3* db = open_connection(path_);
  try {
    exec(db, kSchema);
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  db_ = db;
}

void SqliteStore::count_failure(const SqliteError& error) {
  health_.failed(error.reason(), error.what());
}

void SqliteStore::refused(const SqliteError& error) {
  count_failure(error);
  throw StorageUnavailable("the state file " + path_ + " cannot be written: " + error.what());
}

bool SqliteStore::file_in_place() {
  if (db_ == nullptr) {
    try {
      open();
    } catch (const SqliteError& e) {
      count_failure(e);
      return false;
    } catch (const std::exception& e) {
      health_.failed(WriteFailure::other, e.what());
      return false;
    }
  }
  if (!file_moved(db_)) return true;
  try {
    rewrite_file();
    return true;
  } catch (const SqliteError& e) {
    count_failure(e);
  } catch (const std::exception& e) {
    health_.failed(WriteFailure::db_missing, std::string("writing it again: ") + e.what());
  }
  return false;
}

// The file at path_ is gone (deleted, or another file put in its place) while this
// connection still has the old one open: everything it holds (the whole ledger, every
// admin-made key, revoked ones too) would vanish at the next restart. Copy it to a new
// file beside the path, close the old one, and move the copy into place. A file found
// in its place is kept aside as <path>.replaced-<unix seconds>, never overwritten.
void SqliteStore::rewrite_file() {
  bool missing = !std::filesystem::exists(path_);
  if (!moved_noticed_) {
    health_.count(WriteFailure::db_missing);
    core::log_warn("state: " + path_ +
                   (missing ? " was deleted" : " was replaced by another file") +
                   " while the gateway had it open; writing it again from the copy the "
                   "gateway still holds (usage ledger, admin-made keys)");
    moved_noticed_ = true;
  }
  std::filesystem::path file(path_);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::string copy = path_ + ".rewrite";
  std::filesystem::remove(copy);
  std::filesystem::remove(copy + "-journal");
  copy_database(db_, copy);
  if (!missing) {
    std::string aside = path_ + ".replaced-" + std::to_string(unix_seconds_now());
    std::filesystem::rename(path_, aside);
    // Its journal goes with it: a hot one would be played into the new file.
    std::error_code no_journal;
    if (std::filesystem::file_size(path_ + "-journal", no_journal) > 0 && !no_journal) {
      std::filesystem::rename(path_ + "-journal", aside + "-journal");
    }
    core::log_warn("state: the file found at " + path_ + " is kept as " + aside);
  }
  sqlite3_close(db_);
  db_ = nullptr;
  std::filesystem::rename(copy, path_);
  open();
  moved_noticed_ = false;
  core::log_info("state: " + path_ + " written again, with everything it held");
}

void SqliteStore::hold(std::span<const UsageRow> deltas) {
  for (const auto& row : deltas) {
    auto where = std::make_pair(row.scope, row.period);
    auto it = unwritten_.find(where);
    if (it != unwritten_.end()) {
      it->second += row.counters;
    } else if (unwritten_.size() < max_unwritten_rows_) {
      unwritten_.emplace(std::move(where), row.counters);
    } else {
      if (dropped_rows_.fetch_add(1, std::memory_order_relaxed) == 0) {
        core::log_error("state: " + path_ + ": more than " + std::to_string(max_unwritten_rows_) +
                        " usage rows wait for the file: new ones are dropped (lost) and "
                        "counted in tollgate_state_usage_rows_dropped_total");
      }
    }
  }
  unwritten_rows_.store(unwritten_.size(), std::memory_order_relaxed);
}

void SqliteStore::write_held() {
  if (unwritten_.empty() || !file_in_place()) return;
  try {
    in_transaction(db_, [&] {
      Statement upsert(db_,
                       "INSERT INTO usage (scope, period, requests, prompt_tokens, "
                       "completion_tokens, cost_nusd) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                       "ON CONFLICT (scope, period) DO UPDATE SET "
                       "requests = requests + excluded.requests, "
                       "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
                       "completion_tokens = completion_tokens + excluded.completion_tokens, "
                       "cost_nusd = cost_nusd + excluded.cost_nusd");
      for (const auto& [where, counters] : unwritten_) {
        upsert.bind(1, where.first);
        upsert.bind(2, where.second);
        upsert.bind(3, counters.requests);
        upsert.bind(4, counters.prompt_tokens);
        upsert.bind(5, counters.completion_tokens);
        upsert.bind(6, counters.cost_nusd);
        upsert.step();
        upsert.reset();
      }
    });
  } catch (const SqliteError& e) {
    count_failure(e);  // kept in unwritten_ for the next try
    return;
  }
  unwritten_.clear();
  unwritten_rows_.store(0, std::memory_order_relaxed);
  health_.succeeded();
}

void SqliteStore::add_usage(std::span<const UsageRow> deltas) {
  if (deltas.empty()) return;
  std::lock_guard lock(mutex_);
  hold(deltas);
  write_held();
}

void SqliteStore::upkeep() {
  std::lock_guard lock(mutex_);
  if (!unwritten_.empty()) {
    write_held();
  } else if (file_in_place() && db_ != nullptr) {
    // Nothing to write: the file is there, and a probe tells whether it takes writes
    // again (an outage that began with a key write ends here, not at the next one).
    if (!health_.writable()) {
      try {
        Statement probe(db_,
                        "INSERT INTO write_probe (id, at) VALUES (1, ?1) "
                        "ON CONFLICT (id) DO UPDATE SET at = excluded.at");
        probe.bind(1, unix_seconds_now());
        probe.step();
        health_.succeeded();
      } catch (const SqliteError& e) {
        count_failure(e);
      }
    }
  }
}

StoreHealth SqliteStore::health() const {
  StoreHealth out = health_.snapshot();
  out.unwritten_usage_rows = unwritten_rows_.load(std::memory_order_relaxed);
  out.dropped_usage_rows = dropped_rows_.load(std::memory_order_relaxed);
  return out;
}

std::vector<UsageRow> SqliteStore::usage(std::span<const std::string> periods,
                                         const std::string& scope) {
  std::lock_guard lock(mutex_);
  if (db_ == nullptr) open();
  std::vector<UsageRow> rows;
  Statement select(db_, scope.empty()
                            ? "SELECT scope, period, requests, prompt_tokens, completion_tokens, "
                              "cost_nusd FROM usage WHERE period = ?1"
                            : "SELECT scope, period, requests, prompt_tokens, completion_tokens, "
                              "cost_nusd FROM usage WHERE period = ?1 AND scope = ?2");
  for (const auto& period : periods) {
    select.bind(1, period);
    if (!scope.empty()) select.bind(2, scope);
    while (select.step()) {
      rows.push_back({select.text(0), select.text(1),
                      UsageCounters{select.integer(2), select.integer(3), select.integer(4),
                                    select.integer(5)}});
    }
    select.reset();
  }
  // What the file has not taken yet.
  for (const auto& [where, counters] : unwritten_) {
    if (!scope.empty() && where.first != scope) continue;
    if (std::find(periods.begin(), periods.end(), where.second) == periods.end()) continue;
    // Named, not captured: C++20 lambdas may not capture a structured binding (clang).
    const auto& key = where;
    auto it = std::find_if(rows.begin(), rows.end(), [&key](const UsageRow& row) {
      return row.scope == key.first && row.period == key.second;
    });
    if (it == rows.end()) {
      rows.push_back({where.first, where.second, counters});
    } else {
      it->counters += counters;
    }
  }
  return rows;
}

void SqliteStore::insert_key(const StoredKey& key) {
  std::lock_guard lock(mutex_);
  if (!file_in_place()) {
    throw StorageUnavailable("the state file " + path_ + " is unavailable; see the log");
  }
  Statement insert(db_,
                   "INSERT INTO api_keys (id, sha256, user, team, tags, models, limits, "
                   "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  insert.bind(1, key.id);
  insert.bind(2, key.sha256_hex);
  insert.bind(3, key.user);
  insert.bind(4, key.team);
  insert.bind(5, strings_to_json(key.tags));
  insert.bind(6, strings_to_json(key.models));
  insert.bind(7, key.limits_json.empty() ? std::string("{}") : key.limits_json);
  insert.bind(8, key.created_at);
  try {
    insert.step();
  } catch (const SqliteError& e) {
    if (e.code() == SQLITE_CONSTRAINT_PRIMARYKEY || e.code() == SQLITE_CONSTRAINT_UNIQUE) {
      throw std::runtime_error("a key with id '" + key.id + "' already exists");
    }
    refused(e);
  }
  health_.succeeded();
}

bool SqliteStore::revoke_key(const std::string& id, std::int64_t at) {
  std::lock_guard lock(mutex_);
  if (!file_in_place()) {
    throw StorageUnavailable("the state file " + path_ + " is unavailable; see the log");
  }
  Statement update(db_, "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
  update.bind(1, id);
  update.bind(2, at);
  try {
    update.step();
  } catch (const SqliteError& e) {
    refused(e);
  }
  health_.succeeded();
  return sqlite3_changes(db_) > 0;
}

std::vector<StoredKey> SqliteStore::query_keys(const char* where, const std::string& arg) {
  std::lock_guard lock(mutex_);
  if (db_ == nullptr) open();
  std::string sql = std::string(kKeyColumns) + where;
  Statement select(db_, sql.c_str());
  if (!arg.empty()) select.bind(1, arg);
  std::vector<StoredKey> keys;
  while (select.step()) {
    StoredKey key;
    key.id = select.text(0);
    key.sha256_hex = select.text(1);
    key.user = select.text(2);
    key.team = select.text(3);
    key.tags = strings_from_json(select.text(4));
    key.models = strings_from_json(select.text(5));
    key.limits_json = select.text(6);
    key.created_at = select.integer(7);
    if (!select.is_null(8)) key.revoked_at = select.integer(8);
    keys.push_back(std::move(key));
  }
  return keys;
}

std::vector<StoredKey> SqliteStore::list_keys() {
  return query_keys("ORDER BY created_at, id", {});
}

std::vector<StoredKey> SqliteStore::active_keys() {
  return query_keys("WHERE revoked_at IS NULL", {});
}

std::optional<StoredKey> SqliteStore::find_key_by_id(const std::string& id) {
  auto keys = query_keys("WHERE id = ?1", id);
  if (keys.empty()) return std::nullopt;
  return std::move(keys.front());
}

std::optional<StoredKey> SqliteStore::find_key_by_hash(const std::string& sha256_hex) {
  auto keys = query_keys("WHERE sha256 = ?1", sha256_hex);
  if (keys.empty()) return std::nullopt;
  return std::move(keys.front());
}

}  // namespace tollgate::state
