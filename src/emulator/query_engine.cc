#include "emulator/query_engine.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "emulator/absl_compat.h"
#include "emulator/api_error.h"
#include "emulator/sql_translator.h"

namespace opentrack::emulator {
namespace {

constexpr int kMaxViewDepth = 16;

bool ValidOutputName(const std::string& name) {
  if (name.empty() || !(absl::ascii_isalpha(name[0]) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(c) || c == '_')) return false;
  }
  return true;
}

std::string TypeOfValue(const SqlValue& v) {
  switch (v.kind) {
    case SqlValue::Kind::kInt:
      return "INTEGER";
    case SqlValue::Kind::kReal:
      return "FLOAT";
    default:
      return "STRING";
  }
}

}  // namespace

absl::StatusOr<TableRef> QueryEngine::ResolveName(const std::vector<std::string>& parts,
                                                  const QueryContext& context) const {
  if (parts.size() == 3) return TableRef{parts[0], parts[1], parts[2]};
  if (parts.size() == 2) return TableRef{context.project, parts[0], parts[1]};
  if (parts.size() == 1 && !context.default_dataset.empty()) {
    return TableRef{context.default_project.empty() ? context.project : context.default_project,
                    context.default_dataset, parts[0]};
  }
  return InvalidQuery(absl::StrCat("Table \"", absl::StrJoin(parts, "."),
                                   "\" must be qualified with a dataset (e.g. dataset.table)."));
}

absl::StatusOr<ResolvedSource> QueryEngine::ResolveSource(const std::vector<std::string>& parts,
                                                          const QueryContext& context, int depth) {
  auto ref = ResolveName(parts, context);
  if (!ref.ok()) return ref.status();
  auto table = storage_->GetTable(*ref);
  if (!table.ok()) {
    // BigQuery reports missing tables in queries as notFound (404).
    return table.status();
  }
  ResolvedSource source;
  source.schema = table->schema;
  if (!table->is_view()) {
    source.sql = QuoteIdent(table->DataTable());
    return source;
  }
  if (depth >= kMaxViewDepth) return InvalidQuery("Views are nested too deeply");
  const Json* view = table->resource.Find("view");
  const std::string query = view != nullptr ? view->GetString("query") : "";
  auto tokens = Tokenize(query);
  if (!tokens.ok()) return tokens.status();
  QueryContext view_context{ref->project, "", ""};
  auto translated = Translate(*tokens, view_context, depth + 1);
  if (!translated.ok()) return translated.status();
  source.sql = "(" + translated->sql + ")";
  return source;
}

absl::StatusOr<TranslatedQuery> QueryEngine::Translate(const std::vector<Token>& tokens,
                                                       const QueryContext& context, int depth) {
  SourceResolver resolver = [this, &context, depth](const std::vector<std::string>& parts) {
    return ResolveSource(parts, context, depth);
  };
  return TranslateQuery(tokens, resolver, &storage_->db());
}

absl::StatusOr<QueryResult> QueryEngine::Select(const std::vector<Token>& tokens,
                                                const QueryContext& context) {
  auto translated = Translate(tokens, context, 0);
  if (!translated.ok()) return translated.status();
  auto stmt = storage_->db().Prepare(translated->sql);
  if (!stmt.ok()) {
    return InvalidQuery(absl::StrCat("Syntax error: ", stmt.status().message()));
  }
  QueryResult result;
  const int n = stmt->ColumnCount();
  std::vector<int> kept;
  int unnamed = 0;
  for (int c = 0; c < n; ++c) {
    std::string name = stmt->ColumnName(c);
    if (absl::AsciiStrToUpper(name) == "_PARTITIONTIME" && !translated->mentions_partition_time) {
      continue;
    }
    kept.push_back(c);
    const std::string lower = absl::AsciiStrToLower(name);
    std::string type = TypeFromDeclType(stmt->ColumnDeclType(c));
    if (type.empty()) {
      auto it = translated->item_types.find(lower);
      if (it != translated->item_types.end()) type = it->second;
    }
    if (type.empty()) {
      auto it = translated->column_types.find(lower);
      if (it != translated->column_types.end()) type = it->second;
    }
    if (!ValidOutputName(name)) name = absl::StrCat("f", unnamed++, "_");
    Field field{name, type, "NULLABLE", "", {}};
    if (type.rfind("REPEATED_", 0) == 0) {
      field.type = type.substr(9);
      field.mode = "REPEATED";
    }
    result.schema.push_back(std::move(field));
  }
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return InvalidQuery(std::string(row.status().message()));
    if (!*row) break;
    std::vector<SqlValue> values;
    values.reserve(kept.size());
    for (int c : kept) values.push_back(stmt->Column(c));
    result.rows.push_back(std::move(values));
  }
  // Columns still untyped take the type of their first non-null value.
  for (size_t c = 0; c < result.schema.size(); ++c) {
    if (!result.schema[c].type.empty()) continue;
    result.schema[c].type = "STRING";
    for (const auto& row : result.rows) {
      if (row[c].kind != SqlValue::Kind::kNull) {
        result.schema[c].type = TypeOfValue(row[c]);
        break;
      }
    }
  }
  return result;
}

}  // namespace opentrack::emulator
