// Translates the GoogleSQL query subset used by the collector and its
// analytics views into SQLite SQL over the emulator's data tables, and
// collects what is needed to type the result columns.
#ifndef OPENTRACK_EMULATOR_SQL_TRANSLATOR_H_
#define OPENTRACK_EMULATOR_SQL_TRANSLATOR_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "emulator/schema.h"
#include "emulator/sql_tokenizer.h"
#include "emulator/sqlite_db.h"

namespace opentrack::emulator {

// What a table name in FROM/JOIN turns into.
struct ResolvedSource {
  std::string sql;  // a quoted SQLite table name or a parenthesised subquery
  Schema schema;    // for typing result columns
};
// Receives the dotted name parts as written (`p.d.t`, `d.t`).
using SourceResolver =
    std::function<absl::StatusOr<ResolvedSource>(const std::vector<std::string>& parts)>;

struct TranslatedQuery {
  std::string sql;
  // Lower-cased column name -> BigQuery type, from every referenced source.
  absl::flat_hash_map<std::string, std::string> column_types;
  // Lower-cased output alias of the outermost SELECT -> inferred type.
  absl::flat_hash_map<std::string, std::string> item_types;
  bool mentions_partition_time = false;
};

// `db` is used to expand `SELECT * EXCEPT (...)` by preparing probe queries.
absl::StatusOr<TranslatedQuery> TranslateQuery(const std::vector<Token>& tokens,
                                               const SourceResolver& resolver, SqliteDb* db);

// Registers the ot_* SQL functions the translation calls; `now` supplies
// CURRENT_TIMESTAMP() in microseconds.
void RegisterSqlFunctions(SqliteDb* db, std::function<int64_t()> now);

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_SQL_TRANSLATOR_H_
