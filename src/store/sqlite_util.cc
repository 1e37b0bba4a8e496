#include "store/sqlite_util.h"

#include <climits>
#include <cstring>
#include <fstream>

namespace adwatch {

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

void Stmt::BindInt(int index, std::int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_, index, v);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Stmt::BindText(int index, std::string_view v) {
  const int rc = sqlite3_bind_text64(stmt_, index, v.data() != nullptr ? v.data() : "", v.size(),
                                     SQLITE_STATIC, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Stmt::BindBlob(int index, std::string_view v) {
  // A null pointer would bind NULL instead of an empty blob.
  const int rc = sqlite3_bind_blob64(stmt_, index, v.data() != nullptr ? v.data() : "", v.size(),
                                     SQLITE_STATIC);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

int Stmt::Step() {
  if (bind_rc_ != SQLITE_OK) return bind_rc_;
  return sqlite3_step(stmt_);
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  bind_rc_ = SQLITE_OK;
}

std::int64_t Stmt::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::ColumnBytes(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) return {};
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

Db::~Db() { sqlite3_close_v2(db_); }

bool Db::Open(const std::string& path, int flags, std::string* error) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    if (error != nullptr) *error = db_ != nullptr ? ErrorText() : sqlite3_errstr(rc);
    return false;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 0);
  return true;
}

bool Db::Exec(std::string_view sql, std::string* error) {
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    if (error != nullptr) *error = ErrorText();
    return false;
  }
  return true;
}

bool Db::Prepare(std::string_view sql, Stmt* out, std::string* error) {
  sqlite3_finalize(out->stmt_);
  out->stmt_ = nullptr;
  out->bind_rc_ = SQLITE_OK;
  if (sql.size() > INT_MAX ||
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &out->stmt_, nullptr) != SQLITE_OK) {
    if (error != nullptr) *error = ErrorText();
    return false;
  }
  return true;
}

bool Db::QueryText(std::string_view sql, std::string* out, std::string* error) {
  std::vector<std::string> rows;
  if (!QueryAllText(sql, &rows, error)) return false;
  if (rows.empty()) {
    if (error != nullptr) *error = "no row for: " + std::string(sql);
    return false;
  }
  *out = std::move(rows.front());
  return true;
}

bool Db::QueryAllText(std::string_view sql, std::vector<std::string>* out, std::string* error) {
  Stmt s;
  if (!Prepare(sql, &s, error)) return false;
  out->clear();
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out->push_back(s.ColumnBytes(0));
  if (rc != SQLITE_DONE) {
    if (error != nullptr) *error = ErrorText();
    return false;
  }
  return true;
}

bool Db::InTransaction() const { return db_ != nullptr && sqlite3_get_autocommit(db_) == 0; }

int Db::LastCode() const { return db_ != nullptr ? (sqlite3_errcode(db_) & 0xFF) : SQLITE_MISUSE; }

std::string Db::ErrorText() const {
  if (db_ == nullptr) return "no connection";
  std::string s = sqlite3_errmsg(db_);
  s += " (SQLite error ";
  s += std::to_string(sqlite3_extended_errcode(db_));
  s += ")";
  return s;
}

bool LooksLikeSqlite(const std::string& path, std::string* detail) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *detail = "cannot read the file";
    return false;
  }
  char header[100];
  in.read(header, sizeof header);
  const std::streamsize n = in.gcount();
  if (n == 0) {
    *detail = "the file is empty";
    return false;
  }
  if (n < static_cast<std::streamsize>(sizeof header)) {
    *detail = "the file is only " + std::to_string(n) + " bytes, too short for a SQLite database";
    return false;
  }
  if (std::memcmp(header, "SQLite format 3", 16) != 0) {  // 15 characters and the NUL
    *detail = "the file is not a SQLite database";
    return false;
  }
  return true;
}

}  // namespace adwatch
