// SQLite with WAL and synchronous=NORMAL: a commit survives a process crash (kill -9);
// only a power loss can take the last transactions. The usage flusher commits once a
// second, which bounds what a crash loses.
#include "state/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <stdexcept>

#include <boost/json.hpp>

namespace tollgate::state {

namespace {

// One prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, const std::string& value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }
  void bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void bind_null(int index) { sqlite3_bind_null(stmt_, index); }
  // True while there is a row; throws on errors.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int column) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, column));
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

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
)sql";

constexpr const char* kKeyColumns =
    "SELECT id, sha256, user, team, tags, models, limits, created_at, revoked_at FROM api_keys ";

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

SqliteStore::SqliteStore(const std::string& path) : path_(path) {
  std::filesystem::path file(path);
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec)
      throw std::runtime_error("cannot create the directory of " + path + ": " + ec.message());
  }
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec(kSchema);
  } catch (const std::exception& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(path + ": " + e.what());
  }
}

SqliteStore::~SqliteStore() {
  if (db_ != nullptr) sqlite3_close(db_);
}

void SqliteStore::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string why = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("sqlite: " + why);
  }
}

void SqliteStore::add_usage(std::span<const UsageRow> deltas) {
  if (deltas.empty()) return;
  std::lock_guard lock(mutex_);
  exec("BEGIN IMMEDIATE");
  try {
    Statement upsert(db_,
                     "INSERT INTO usage (scope, period, requests, prompt_tokens, "
                     "completion_tokens, cost_nusd) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                     "ON CONFLICT (scope, period) DO UPDATE SET "
                     "requests = requests + excluded.requests, "
                     "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
                     "completion_tokens = completion_tokens + excluded.completion_tokens, "
                     "cost_nusd = cost_nusd + excluded.cost_nusd");
    for (const auto& row : deltas) {
      upsert.bind(1, row.scope);
      upsert.bind(2, row.period);
      upsert.bind(3, row.counters.requests);
      upsert.bind(4, row.counters.prompt_tokens);
      upsert.bind(5, row.counters.completion_tokens);
      upsert.bind(6, row.counters.cost_nusd);
      upsert.step();
      upsert.reset();
    }
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

std::vector<UsageRow> SqliteStore::usage(std::span<const std::string> periods,
                                         const std::string& scope) {
  std::lock_guard lock(mutex_);
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
  return rows;
}

void SqliteStore::insert_key(const StoredKey& key) {
  std::lock_guard lock(mutex_);
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
  } catch (const std::exception&) {
    if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY ||
        sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE) {
      throw std::runtime_error("a key with id '" + key.id + "' already exists");
    }
    throw;
  }
}

bool SqliteStore::revoke_key(const std::string& id, std::int64_t at) {
  std::lock_guard lock(mutex_);
  Statement update(db_, "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
  update.bind(1, id);
  update.bind(2, at);
  update.step();
  return sqlite3_changes(db_) > 0;
}

std::vector<StoredKey> SqliteStore::query_keys(const char* where, const std::string& arg) {
  std::lock_guard lock(mutex_);
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
