// Thin RAII wrappers over the SQLite C API for the state store: a connection (Db) and a prepared
// statement (Stmt). Errors are return codes and messages, never exceptions. Not thread-safe;
// private to src/store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace adwatch {

/// A prepared statement. Bind errors are sticky: the next Step returns the first of them
/// without running the statement, so a failed bind can never store a NULL or stale value.
class Stmt {
 public:
  Stmt() = default;
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void BindInt(int index, std::int64_t v);
  void BindText(int index, std::string_view v);  // the bytes must outlive the next Step
  void BindBlob(int index, std::string_view v);  // the bytes must outlive the next Step
  /// SQLITE_ROW, SQLITE_DONE, or an error code.
  int Step();
  /// Makes the statement runnable again; keeps the bindings.
  void Reset();

  std::int64_t ColumnInt(int col) const;
  std::string ColumnBytes(int col) const;  // blob or text; "" for NULL

 private:
  friend class Db;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;
};

/// Resets a statement when leaving a scope, whatever the path out.
class ResetOnExit {
 public:
  explicit ResetOnExit(Stmt& s) : s_(s) {}
  ~ResetOnExit() { s_.Reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Stmt& s_;
};

/// A connection. Statements prepared from it must be destroyed before it.
class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  bool Open(const std::string& path, int flags, std::string* error);
  bool Exec(std::string_view sql, std::string* error);
  bool Prepare(std::string_view sql, Stmt* out, std::string* error);
  /// First column of the first row as bytes; false when there is no row or on error.
  bool QueryText(std::string_view sql, std::string* out, std::string* error);
  /// First column of every row.
  bool QueryAllText(std::string_view sql, std::vector<std::string>* out, std::string* error);

  bool InTransaction() const;
  /// The primary result code of the last failed call on this connection.
  int LastCode() const;
  /// SQLite's message for the last failed call, with its extended code.
  std::string ErrorText() const;

 private:
  sqlite3* db_ = nullptr;
};

/// False with `detail` set when `path` is empty, too short, or lacks the SQLite file header.
bool LooksLikeSqlite(const std::string& path, std::string* detail);

}  // namespace adwatch
