// The SQLite state file when the disk misbehaves: no shared-memory mapping to die on, a
// refused write held in memory and written later, a deleted file written again.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <numeric>

#include "state/sqlite/sqlite_store.h"
#include "tests/unit/file_size_limit.h"
#include "tests/unit/scratch_dir.h"

using namespace tollgate;
using state::SqliteStore;
using state::UsageRow;
namespace fs = std::filesystem;

namespace {

std::string temp_db() {
  return (testing::scratch_dir() / "state.db").string();
}

UsageRow row(std::string scope, std::int64_t requests) {
  return {std::move(scope), "2026-11-25", state::UsageCounters{requests, 10, 20, 30}};
}

std::int64_t requests_of(SqliteStore& db, const std::string& scope) {
  std::vector<std::string> periods{"2026-11-25"};
  std::int64_t total = 0;
  for (const auto& r : db.usage(periods, scope)) total += r.counters.requests;
  return total;
}

std::uint64_t errors(const state::StoreHealth& health) {
  return std::accumulate(health.write_errors.begin(), health.write_errors.end(), std::uint64_t{0});
}

std::uint64_t errors(const state::StoreHealth& health, state::WriteFailure reason) {
  return health.write_errors[static_cast<std::size_t>(reason)];
}

}  // namespace

TEST_CASE("the state file has no shared-memory index that a failing disk could turn into SIGBUS",
          "[sqlite]") {
  std::string path = temp_db();
  SqliteStore db(path);
  std::vector<UsageRow> rows{row("key:a", 1)};
  db.add_usage(rows);
  CHECK(requests_of(db, "key:a") == 1);
  // In WAL mode SQLite maps the -shm file and writes through memory; a file that stops
  // taking writes (chattr +i) then kills the process with SIGBUS (issue 13).
  CHECK_FALSE(fs::exists(path + "-shm"));
  CHECK_FALSE(fs::exists(path + "-wal"));
}

TEST_CASE("usage the disk refuses is held in memory, read back, and written when it takes writes",
          "[sqlite]") {
  std::string path = temp_db();
  {
    SqliteStore db(path);
    std::vector<UsageRow> first{row("key:a", 1)};
    db.add_usage(first);
    {
      testing::FileSizeLimit full(0);  // every write refused
      std::vector<UsageRow> refused{row("key:a", 2), row("key:b", 5)};
      REQUIRE_NOTHROW(db.add_usage(refused));
      state::StoreHealth health = db.health();
      CHECK_FALSE(health.writable);
      CHECK(errors(health) == 1);
      CHECK(health.unwritten_usage_rows == 2);
      // The real error, not "cannot rollback - no transaction is active".
      CHECK(health.error.find("cannot rollback") == std::string::npos);
      CHECK(health.error.find("File too large") != std::string::npos);  // EFBIG, as limited
      // What was refused still counts for anyone who asks.
      CHECK(requests_of(db, "key:a") == 3);
      CHECK(requests_of(db, "key:b") == 5);
      db.upkeep();  // retried, refused again: counted, not lost
      CHECK(errors(db.health()) == 2);
      CHECK(db.health().unwritten_usage_rows == 2);
    }
    db.upkeep();
    state::StoreHealth health = db.health();
    CHECK(health.writable);
    CHECK(health.error.empty());
    CHECK(health.unwritten_usage_rows == 0);
  }
  SqliteStore reopened(path);
  CHECK(requests_of(reopened, "key:a") == 3);
  CHECK(requests_of(reopened, "key:b") == 5);
}

TEST_CASE("a key write the disk refuses fails with StorageUnavailable and changes nothing",
          "[sqlite]") {
  std::string path = temp_db();
  SqliteStore db(path);
  state::StoredKey key{"k1", std::string(64, 'a'), "", "", {}, {}, "{}", 1, std::nullopt};
  {
    testing::FileSizeLimit full(0);  // every write refused
    CHECK_THROWS_AS(db.insert_key(key), state::StorageUnavailable);
    CHECK_FALSE(db.health().writable);
  }
  CHECK_FALSE(db.find_key_by_id("k1"));
  db.upkeep();  // nothing held: a probe write ends the outage
  CHECK(db.health().writable);
  db.insert_key(key);
  CHECK(db.find_key_by_id("k1"));
}

TEST_CASE("held usage is bounded: rows past the bound are dropped and counted", "[sqlite]") {
  std::string path = temp_db();
  SqliteStore db(path, 2);
  testing::FileSizeLimit full(0);  // every write refused
  std::vector<UsageRow> rows{row("key:a", 1), row("key:b", 1), row("key:c", 1)};
  db.add_usage(rows);
  std::vector<UsageRow> more{row("key:a", 1)};  // an existing row still adds up
  db.add_usage(more);
  state::StoreHealth health = db.health();
  CHECK(health.unwritten_usage_rows == 2);
  CHECK(health.dropped_usage_rows == 1);
  CHECK(requests_of(db, "key:a") == 2);
  CHECK(requests_of(db, "key:c") == 0);
}

TEST_CASE("a state file deleted while open is written again with every key and all usage",
          "[sqlite]") {
  std::string path = temp_db();
  {
    SqliteStore db(path);
    state::StoredKey key{"k1", std::string(64, 'b'), "u", "t", {"x"}, {}, "{}", 1, std::nullopt};
    db.insert_key(key);
    std::vector<UsageRow> rows{row("key:k1", 7)};
    db.add_usage(rows);
    fs::remove(path);
    db.upkeep();
    REQUIRE(fs::exists(path));
    CHECK(errors(db.health(), state::WriteFailure::db_missing) == 1);
    CHECK(db.health().writable);
    // And it is the live file again: new writes land in it.
    std::vector<UsageRow> after{row("key:k1", 1)};
    db.add_usage(after);
  }
  SqliteStore reopened(path);
  CHECK(reopened.find_key_by_id("k1"));
  CHECK(requests_of(reopened, "key:k1") == 8);
}

TEST_CASE("a state file replaced while open is kept aside, never overwritten", "[sqlite]") {
  std::string path = temp_db();
  SqliteStore db(path);
  std::vector<UsageRow> rows{row("key:a", 1)};
  db.add_usage(rows);
  fs::remove(path);
  { SqliteStore other(path); }  // someone else's file at the path
  db.upkeep();
  std::size_t aside = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(path).parent_path())) {
    if (entry.path().filename().string().starts_with("state.db.replaced-")) ++aside;
  }
  CHECK(aside == 1);
  CHECK(requests_of(db, "key:a") == 1);
}

TEST_CASE("a state file left in WAL mode by an earlier version keeps its rows and loses its -shm",
          "[sqlite]") {
  std::string path = temp_db();
  {
    SqliteStore db(path);  // the schema
  }
  sqlite3* old = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &old) == SQLITE_OK);
  REQUIRE(sqlite3_exec(old, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(old,
                       "INSERT INTO usage (scope, period, requests) VALUES ('key:old', "
                       "'2026-11-25', 4)",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  // Closed without a checkpoint, as by a crash: the row is only in the WAL.
  sqlite3_db_config(old, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_close(old);
  REQUIRE(fs::file_size(path + "-wal") > 0);

  SqliteStore db(path);
  CHECK(requests_of(db, "key:old") == 4);
  CHECK_FALSE(fs::exists(path + "-wal"));
  CHECK_FALSE(fs::exists(path + "-shm"));
}
