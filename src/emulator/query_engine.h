// Runs GoogleSQL SELECT statements: resolves table and view names through
// the catalog, translates to SQLite, executes, and types the result columns.
#ifndef OPENTRACK_EMULATOR_QUERY_ENGINE_H_
#define OPENTRACK_EMULATOR_QUERY_ENGINE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "emulator/schema.h"
#include "emulator/sql_tokenizer.h"
#include "emulator/sql_translator.h"
#include "emulator/storage.h"
#include "emulator/values.h"

namespace opentrack::emulator {

struct QueryResult {
  Schema schema;  // result columns with BigQuery types
  std::vector<std::vector<SqlValue>> rows;
  std::string statement_type = "SELECT";
  std::string ddl_operation;  // CREATE, REPLACE, DROP, ALTER (DDL only)
  std::optional<TableRef> ddl_target;
};

struct QueryContext {
  std::string project;
  std::string default_dataset;  // "" when none
  std::string default_project;  // of the default dataset
};

class QueryEngine {
 public:
  explicit QueryEngine(Storage* storage) : storage_(storage) {}

  // `tokens` holds one SELECT/WITH statement.
  absl::StatusOr<QueryResult> Select(const std::vector<Token>& tokens, const QueryContext& context);

  // Resolves a dotted name to a table reference (project.dataset.table,
  // dataset.table, or table with a default dataset).
  absl::StatusOr<TableRef> ResolveName(const std::vector<std::string>& parts,
                                       const QueryContext& context) const;

 private:
  absl::StatusOr<ResolvedSource> ResolveSource(const std::vector<std::string>& parts,
                                               const QueryContext& context, int depth);
  absl::StatusOr<TranslatedQuery> Translate(const std::vector<Token>& tokens,
                                            const QueryContext& context, int depth);

  Storage* storage_;
};

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_QUERY_ENGINE_H_
