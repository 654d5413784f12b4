// Why a rollback journal and not WAL: in WAL mode SQLite maps the -shm file (the WAL
// index) with mmap and writes to it through memory, so a failure of that file has no
// way to come back as an error: on ext4, `chattr +i` on the files while the gateway
// served killed it within a second with SIGBUS and no log line (issue 13; the backtrace
// ends in sqlite3WalBeginReadTransaction: ext4_page_mkwrite refuses immutable inodes).
// WAL's heap-memory index (locking_mode=EXCLUSIVE) avoids the mapping but locks every
// other process out, and replicas on one host may share the file. A rollback journal
// maps nothing: every failure is an error code the store counts and survives. It costs
// nothing that shows here: one writer (the flusher, once a second), no concurrent
// readers in this process; synchronous=FULL keeps commits across a power loss too.
//
// TRUNCATE keeps the (empty) journal file between transactions and opens it at each
// one, so when the files turn unwritable (chattr +i on all of them, a full disk, a
// read-only remount) the journal is refused first, the main file is never touched, and
// reads (/admin/usage, /admin/keys) go on working. Only the main file refusing writes
// on its own leaves a "hot" journal behind, and then reads fail too until it takes
// writes again. mmap_size=0 keeps the main file off mmap, whatever the build's default.
#include "state/sqlite/sqlite_connection.h"

#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace tollgate::state {

WriteFailure SqliteError::reason() const {
  switch (sys_errno_) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return WriteFailure::disk_full;
    case EPERM:
    case EACCES:
    case EROFS:
      return WriteFailure::read_only;
    default:
      break;
  }
  if (code_ == SQLITE_READONLY_DBMOVED) return WriteFailure::db_missing;
  switch (code_ & 0xff) {
    case SQLITE_FULL:
      return WriteFailure::disk_full;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return WriteFailure::read_only;
    case SQLITE_IOERR:
      return WriteFailure::io_error;
    default:
      return WriteFailure::other;
  }
}

namespace {

// SQLite's errno for a failed call (sqlite3_system_errno) is read after its error path
// has made more system calls: after a write refused by an immutable file it said 0, or
// EBADF. So look at the files first: a write permission refused (EPERM for chattr +i,
// EROFS, EACCES: on the file, its journal, or the directory where the journal is made)
// or a filesystem with no block left.
int probe_errno(const char* db_path) {
  if (db_path == nullptr || *db_path == '\0') return 0;
  std::string dir = std::filesystem::path(db_path).parent_path().string();
  if (dir.empty()) dir = ".";
  for (const std::string& file : {std::string(db_path), std::string(db_path) + "-journal", dir}) {
    if (::access(file.c_str(), F_OK) == 0 && ::access(file.c_str(), W_OK) != 0) return errno;
  }
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) == 0 && vfs.f_bavail == 0) return ENOSPC;
  return 0;
}

}  // namespace

void throw_sqlite_error(sqlite3* db, const std::string& doing) {
  int code = db != nullptr ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
  std::string message =
      "sqlite: " + doing + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code));
  int sys_errno = 0;
  int primary = code & 0xff;
  // The errno is only meaningful for errors that came from a system call.
  if (db != nullptr && (primary == SQLITE_IOERR || primary == SQLITE_FULL ||
                        primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY)) {
    sys_errno = probe_errno(sqlite3_db_filename(db, "main"));
    if (sys_errno == 0) sys_errno = sqlite3_system_errno(db);
  }
  message += " (code " + std::to_string(code);
  if (sys_errno != 0) {
    message += "; errno " + std::to_string(sys_errno) + ": " + std::strerror(sys_errno);
  }
  message += ")";
  throw SqliteError(message, code, sys_errno);
}

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    sqlite3_free(error);  // the same text as sqlite3_errmsg, which throw_sqlite_error reads
    std::string_view statement(sql);
    statement.remove_prefix(std::min(statement.size(), statement.find_first_not_of(" \n")));
    throw_sqlite_error(db, std::string(statement.substr(0, statement.find('\n'))));
  }
}

sqlite3* open_connection(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    try {
      throw_sqlite_error(db, "open");
    } catch (...) {
      sqlite3_close(db);
      throw;
    }
  }
  sqlite3_busy_timeout(db, 5000);
  try {
    exec(db, "PRAGMA mmap_size=0");
    // A file left in WAL mode by an earlier version: with the exclusive lock its WAL is
    // read through a heap index (no -shm mapping) while it is folded back into the file.
    exec(db, "PRAGMA locking_mode=EXCLUSIVE");
    exec(db, "PRAGMA journal_mode=TRUNCATE");  // see the top of this file
    exec(db, "PRAGMA locking_mode=NORMAL");
    exec(db, "SELECT count(*) FROM sqlite_master");  // releases the exclusive lock
    exec(db, "PRAGMA synchronous=FULL");
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  std::error_code ignored;
  std::filesystem::remove(path + "-shm", ignored);  // that earlier version's, now unused
  return db;
}

void copy_database(sqlite3* from, const std::string& to) {
  sqlite3* copy = nullptr;
  auto fail = [&](sqlite3* with_error, const std::string& doing) {
    try {
      throw_sqlite_error(with_error, doing);
    } catch (...) {
      sqlite3_close(copy);
      std::error_code ignored;
      std::filesystem::remove(to, ignored);
      std::filesystem::remove(to + "-journal", ignored);
      throw;
    }
  };
  if (sqlite3_open_v2(to.c_str(), &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    fail(copy, "open " + to);
  }
  sqlite3_backup* backup = sqlite3_backup_init(copy, "main", from, "main");
  if (backup == nullptr) fail(copy, "copy into " + to);
  int rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) fail(copy, "copy into " + to);
  if (sqlite3_close(copy) != SQLITE_OK) fail(copy, "close " + to);
}

bool file_moved(sqlite3* db) {
  int moved = 0;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK) return false;
  return moved != 0;
}

Statement::Statement(sqlite3* db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    throw_sqlite_error(db, "prepare");
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

void Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite_error(db_, "step");
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, column));
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

}  // namespace tollgate::state
