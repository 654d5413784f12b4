// The SQLite calls the store builds on: a connection opened the way the gateway needs it
// (see open_connection), statements, errors that carry SQLite's code and the system's
// errno (so a failure can be told apart: a full disk, an immutable file), and a copy of a
// whole database into a new file.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "state/sqlite/write_health.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tollgate::state {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& message, int code, int sys_errno)
      : std::runtime_error(message), code_(code), sys_errno_(sys_errno) {}
  int code() const { return code_; }  // extended result code
  int sys_errno() const { return sys_errno_; }
  WriteFailure reason() const;

 private:
  int code_;
  int sys_errno_;
};

// Throws a SqliteError for the connection's last error: "sqlite: <doing>: disk I/O error
// (SQLITE_IOERR_WRITE; errno 1: Operation not permitted)".
[[noreturn]] void throw_sqlite_error(sqlite3* db, const std::string& doing);

// Opens (creating it) with a rollback journal, synchronous FULL and no memory-mapped
// I/O: nothing of the file is mapped into memory (why: sqlite_connection.cpp). Throws
// SqliteError.
sqlite3* open_connection(const std::string& path);
void exec(sqlite3* db, const char* sql);

// Copies every table of `from` into a new database file `to` (which must not exist).
// Throws SqliteError; `to` is removed when the copy fails.
void copy_database(sqlite3* from, const std::string& to);

// True when `path` of the connection's main file no longer names the file it has open:
// deleted, renamed or replaced since it was opened.
bool file_moved(sqlite3* db);

// One prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, const std::string& value);
  void bind(int index, std::int64_t value);
  // True while there is a row; throws SqliteError on errors.
  bool step();
  void reset();
  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace tollgate::state
