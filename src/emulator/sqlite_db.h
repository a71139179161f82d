// A thin RAII layer over the SQLite C API that turns result codes into
// absl::Status. Not thread-safe: the emulator serialises access.
#ifndef OPENTRACK_EMULATOR_SQLITE_DB_H_
#define OPENTRACK_EMULATOR_SQLITE_DB_H_

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emulator/values.h"

namespace opentrack::emulator {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& BindValue(int index, const SqlValue& value);
  // True when a row is available; false when done.
  absl::StatusOr<bool> Step();
  absl::Status Run();  // steps to completion

  int ColumnCount() const { return sqlite3_column_count(stmt_); }
  std::string ColumnName(int i) const;
  std::string ColumnDeclType(int i) const;
  SqlValue Column(int i) const;
  std::string Text(int i) const;
  int64_t Int(int i) const { return sqlite3_column_int64(stmt_, i); }
  sqlite3_stmt* raw() { return stmt_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();

  absl::Status Exec(std::string_view sql);
  absl::StatusOr<Statement> Prepare(std::string_view sql);
  sqlite3* raw() { return db_; }
  std::string LastError() const { return sqlite3_errmsg(db_); }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Double-quoted SQLite identifier.
std::string QuoteIdent(std::string_view name);

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_SQLITE_DB_H_
