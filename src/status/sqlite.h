// A thin RAII layer over SQLite's C API: a connection, prepared statements with positional
// binds, and transactions that roll back unless committed. Errors come back as Status/Result.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace floodgate::status {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  const std::string& error() const { return error_; }

  // Binds are 1-based as in SQLite; each returns *this so they chain.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bindNull(int index);

  // One step: true while there is a row to read; false when done (check error() for failure).
  bool step();
  // Runs to completion; the statement's error when it failed.
  Status run();

  int64_t integer(int column) const;
  std::string text(int column) const;
  bool isNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string error_;
};

class Database {
 public:
  // Opens (creating) the file at path; ":memory:" for a private in-memory database.
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();

  sqlite3* handle() const { return db_; }
  Status exec(std::string_view sql);  // one or more statements without results
  int64_t pragmaInteger(std::string_view pragma);

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// BEGIN IMMEDIATE now; ROLLBACK at destruction unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database* db);
  ~Transaction();
  bool begun() const { return begun_; }
  Status commit();

 private:
  Database* db_;
  bool begun_ = false;
  bool done_ = false;
};

}  // namespace floodgate::status
