// GoogleSQL DDL: CREATE [OR REPLACE] VIEW/TABLE, ALTER TABLE ADD COLUMN /
// ALTER COLUMN SET DATA TYPE / DROP NOT NULL, DROP TABLE/VIEW (rule 35, 36).
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "emulator/absl_compat.h"
#include "emulator/api_error.h"
#include "emulator/service.h"

namespace opentrack::emulator {
namespace {

class DdlParser {
 public:
  explicit DdlParser(const std::vector<Token>& t) : t_(t) {}

  bool AtEnd() const { return i_ >= t_.size(); }
  size_t pos() const { return i_; }
  const Token& Peek(size_t ahead = 0) const {
    static const Token kEnd{Token::Kind::kSymbol, "", 0};
    return i_ + ahead < t_.size() ? t_[i_ + ahead] : kEnd;
  }
  bool Accept(std::string_view word) {
    if (!Peek().Is(word) && !Peek().IsSymbol(word)) return false;
    ++i_;
    return true;
  }
  bool AcceptAll(std::initializer_list<std::string_view> words) {
    for (size_t k = 0; k < words.size(); ++k) {
      const std::string_view w = *(words.begin() + k);
      if (!Peek(k).Is(w)) return false;
    }
    i_ += words.size();
    return true;
  }
  absl::Status Expect(std::string_view word) {
    if (Accept(word)) return absl::OkStatus();
    return InvalidQuery(
        absl::StrCat("Syntax error: Expected \"", AV(word), "\" but got \"", Peek().text, "\""));
  }
  absl::StatusOr<std::vector<std::string>> Name() {
    std::vector<std::string> parts;
    while (Peek().IsName()) {
      for (absl::string_view p : absl::StrSplit(AV(Peek().text), '.')) parts.emplace_back(p);
      ++i_;
      if (!(Peek().IsSymbol(".") && Peek(1).IsName())) break;
      ++i_;
    }
    if (parts.empty()) return InvalidQuery("Syntax error: Expected a table name");
    return parts;
  }
  // A column type: T, T(params) or ARRAY<T>; sets *repeated.
  absl::StatusOr<std::string> Type(bool* repeated) {
    *repeated = false;
    if (Peek().Is("ARRAY") && Peek(1).IsSymbol("<")) {
      i_ += 2;
      auto inner = Type(repeated);
      if (!inner.ok()) return inner;
      if (!Accept(">")) return InvalidQuery("Syntax error: Expected \">\"");
      *repeated = true;
      return inner;
    }
    if (Peek().kind != Token::Kind::kIdent) return InvalidQuery("Syntax error: Expected a type");
    const std::string raw = Peek().text;
    const std::string type = LegacyTypeName(raw);
    ++i_;
    if (type.empty() || type == "RECORD") {
      return InvalidQuery(absl::StrCat("Type not supported by the emulator: ", raw));
    }
    if (Peek().IsSymbol("(")) i_ = MatchParen(t_, i_) + 1;  // STRING(10), NUMERIC(9,2)
    return type;
  }
  void SkipOptions() {
    if (Peek().Is("OPTIONS") && Peek(1).IsSymbol("(")) i_ = MatchParen(t_, i_ + 1) + 1;
  }
  void SkipTo(size_t k) { i_ = k; }

 private:
  const std::vector<Token>& t_;
  size_t i_ = 0;
};

std::string GoogleSqlName(const std::string& legacy) {
  if (legacy == "INTEGER") return "INT64";
  if (legacy == "FLOAT") return "FLOAT64";
  if (legacy == "BOOLEAN") return "BOOL";
  if (legacy == "RECORD") return "STRUCT";
  return legacy;
}

bool Assignable(const std::string& from, const std::string& to) {
  if (from == to) return true;
  if (from == "INTEGER") return to == "NUMERIC" || to == "BIGNUMERIC" || to == "FLOAT";
  if (from == "NUMERIC") return to == "BIGNUMERIC" || to == "FLOAT";
  return false;
}

}  // namespace

absl::StatusOr<QueryResult> Service::RunDdl(const std::vector<Token>& tokens,
                                            const std::string& sql, const QueryContext& context) {
  DdlParser p(tokens);
  QueryResult result;
  // Reads `[IF EXISTS] name` and the table it names. With IF EXISTS a missing
  // table is not an error: nullopt, and the statement is recorded as a SKIP.
  auto load_target =
      [&](std::string_view statement_type) -> absl::StatusOr<std::optional<TableRecord>> {
    const bool if_exists = p.AcceptAll({"IF", "EXISTS"});
    auto name = p.Name();
    if (!name.ok()) return name.status();
    auto ref = engine_->ResolveName(*name, context);
    if (!ref.ok()) return ref.status();
    result.statement_type = std::string(statement_type);
    result.ddl_target = *ref;
    auto record = storage_->GetTable(*ref);
    if (record.ok()) return std::optional<TableRecord>(*std::move(record));
    if (if_exists && HttpCodeOf(record.status()) == 404) {
      result.ddl_operation = "SKIP";
      return std::optional<TableRecord>();
    }
    return record.status();
  };
  if (p.Accept("DROP")) {
    const bool view = p.Accept("VIEW");
    if (!view && !p.Accept("TABLE")) return InvalidQuery("Syntax error: Expected TABLE or VIEW");
    auto existing = load_target(view ? "DROP_VIEW" : "DROP_TABLE");
    if (!existing.ok()) return existing.status();
    if (!existing->has_value()) return result;
    const TableRef& ref = *result.ddl_target;
    absl::Status s = CountTableUpdate(ref);
    if (s.ok()) s = storage_->DeleteTable(ref);
    if (!s.ok()) return s;
    result.ddl_operation = "DROP";
    return result;
  }
  if (p.Accept("CREATE")) {
    const bool replace = p.AcceptAll({"OR", "REPLACE"});
    p.Accept("TEMP");
    p.Accept("TEMPORARY");
    const bool view = p.Accept("VIEW");
    if (!view && !p.Accept("TABLE")) return InvalidQuery("Syntax error: Expected TABLE or VIEW");
    const bool if_not_exists = p.AcceptAll({"IF", "NOT", "EXISTS"});
    auto name = p.Name();
    if (!name.ok()) return name.status();
    auto ref = engine_->ResolveName(*name, context);
    if (!ref.ok()) return ref.status();
    result.statement_type = view ? "CREATE_VIEW" : "CREATE_TABLE";
    result.ddl_target = *ref;
    Json body = Json::Object();
    Schema schema;
    if (view) {
      // CREATE VIEW name [(columns)] [OPTIONS(...)] AS query
      if (p.Peek().IsSymbol("(")) p.SkipTo(MatchParen(tokens, p.pos()) + 1);
      p.SkipOptions();
      absl::Status s = p.Expect("AS");
      if (!s.ok()) return s;
      if (p.AtEnd()) return InvalidQuery("Syntax error: Expected a query after AS");
      const std::string query = sql.substr(p.Peek().offset);
      const std::vector<Token> select(tokens.begin() + p.pos(), tokens.end());
      QueryContext view_context{ref->project, "", ""};
      auto probe = engine_->Select(select, view_context);
      if (!probe.ok()) return probe.status();
      schema = probe->schema;
      Json view_def = Json::Object();
      view_def.Set("query", Json::Str(query));
      view_def.Set("useLegacySql", Json::Bool(false));
      body.Set("view", std::move(view_def));
    } else {
      absl::Status s = p.Expect("(");
      if (!s.ok()) return s;
      Json fields = Json::Array();
      while (!p.Accept(")")) {
        if (!p.Peek().IsName()) return InvalidQuery("Syntax error: Expected a column name");
        const std::string column = p.Peek().text;
        p.SkipTo(p.pos() + 1);
        bool repeated = false;
        auto type = p.Type(&repeated);
        if (!type.ok()) return type.status();
        const bool required = p.AcceptAll({"NOT", "NULL"});
        p.SkipOptions();
        Json f = Json::Object();
        f.Set("name", Json::Str(column));
        f.Set("type", Json::Str(*type));
        f.Set("mode", Json::Str(repeated ? "REPEATED" : required ? "REQUIRED" : "NULLABLE"));
        fields.Push(std::move(f));
        if (!p.Accept(",") && !p.Peek().IsSymbol(")")) {
          return InvalidQuery("Syntax error: Expected \",\" or \")\"");
        }
      }
      Json schema_json = Json::Object();
      schema_json.Set("fields", std::move(fields));
      auto parsed = ParseSchema(schema_json);
      if (!parsed.ok()) return parsed.status();
      schema = std::move(*parsed);
      if (p.AcceptAll({"PARTITION", "BY"})) {
        Json tp = Json::Object();
        tp.Set("type", Json::Str("DAY"));
        // DATE(col), TIMESTAMP_TRUNC(col, DAY) or _PARTITIONDATE.
        for (size_t k = p.pos();
             k < tokens.size() && !tokens[k].Is("OPTIONS") && !tokens[k].Is("CLUSTER"); ++k) {
          if (tokens[k].IsName() && FindField(schema, tokens[k].text) != nullptr) {
            tp.Set("field", Json::Str(FindField(schema, tokens[k].text)->name));
            break;
          }
        }
        body.Set("timePartitioning", std::move(tp));
      }
    }
    body.Set("schema", SchemaToJson(schema));
    auto existing = storage_->GetTable(*ref);
    if (existing.ok()) {
      if (if_not_exists) {
        result.ddl_operation = "SKIP";
        return result;
      }
      if (!replace) return Duplicate(absl::StrCat("Already Exists: Table ", ref->Display()));
      if (existing->is_view() != view) {
        return InvalidQuery(absl::StrCat(ref->Display(), view ? " is not a view" : " is a view"));
      }
      absl::Status s = CountTableUpdate(*ref);
      if (!s.ok()) return s;
      existing->schema = schema;
      existing->resource.Set("schema", SchemaToJson(schema));
      if (view) existing->resource.Set("view", *body.Find("view"));
      existing->resource.Set("lastModifiedTime", Json::Str(MillisString(Now())));
      existing->resource.Set("etag", Json::Str(NewEtag()));
      s = storage_->UpdateTable(*existing);
      if (s.ok() && !view) s = storage_->ResetData(*existing);
      if (!s.ok()) return s;
      result.ddl_operation = "REPLACE";
      return result;
    }
    if (HttpCodeOf(existing.status()) != 404 ||
        !storage_->GetDataset(ref->project, ref->dataset).ok()) {
      return existing.status();
    }
    auto created = CreateTableRecord(*ref, std::move(body));
    if (!created.ok()) return created.status();
    result.ddl_operation = "CREATE";
    return result;
  }
  // ALTER TABLE
  absl::Status s = p.Expect("ALTER");
  if (s.ok()) s = p.Expect("TABLE");
  if (!s.ok()) return s;
  auto loaded = load_target("ALTER_TABLE");
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value()) return result;
  const std::optional<TableRef> ref = result.ddl_target;
  std::optional<TableRecord> record = std::move(*loaded);
  bool retype = false;
  do {
    if (p.AcceptAll({"ADD", "COLUMN"})) {
      const bool if_not_exists = p.AcceptAll({"IF", "NOT", "EXISTS"});
      if (!p.Peek().IsName()) return InvalidQuery("Syntax error: Expected a column name");
      const std::string column = p.Peek().text;
      p.SkipTo(p.pos() + 1);
      bool repeated = false;
      auto type = p.Type(&repeated);
      if (!type.ok()) return type.status();
      if (p.AcceptAll({"NOT", "NULL"})) {
        return InvalidQuery(
            absl::StrCat("Column ", column, " cannot be added as NOT NULL to an existing table"));
      }
      p.SkipOptions();
      if (FindField(record->schema, column) != nullptr) {
        if (if_not_exists) continue;
        return InvalidQuery(absl::StrCat("Column already exists: ", column));
      }
      Json f = Json::Object();
      f.Set("name", Json::Str(column));
      f.Set("type", Json::Str(*type));
      f.Set("mode", Json::Str(repeated ? "REPEATED" : "NULLABLE"));
      Json fields = SchemaToJson(record->schema);
      fields.Find("fields")->Push(std::move(f));
      auto parsed = ParseSchema(fields);
      if (!parsed.ok()) return parsed.status();
      record->schema = std::move(*parsed);
    } else if (p.AcceptAll({"ALTER", "COLUMN"})) {
      p.AcceptAll({"IF", "EXISTS"});
      if (!p.Peek().IsName()) return InvalidQuery("Syntax error: Expected a column name");
      const std::string column = p.Peek().text;
      p.SkipTo(p.pos() + 1);
      Field* field = nullptr;
      for (Field& f : record->schema) {
        if (absl::EqualsIgnoreCase(AV(f.name), AV(column))) field = &f;
      }
      if (field == nullptr) {
        return InvalidQuery(absl::StrCat("Column not found: ", column));
      }
      if (p.AcceptAll({"DROP", "NOT", "NULL"})) {
        if (field->mode == "REQUIRED") field->mode = "NULLABLE";
        continue;
      }
      if (!p.AcceptAll({"SET", "DATA", "TYPE"})) {
        return InvalidQuery("Syntax error: Expected SET DATA TYPE or DROP NOT NULL");
      }
      bool repeated = false;
      auto type = p.Type(&repeated);
      if (!type.ok()) return type.status();
      const bool not_null = p.AcceptAll({"NOT", "NULL"});
      if (repeated != (field->mode == "REPEATED") || (not_null && field->mode != "REQUIRED")) {
        return ApiError(
            400, "invalid",
            absl::StrCat("Column `", field->name, "` cannot change mode via SET DATA TYPE."));
      }
      if (!Assignable(field->type, *type)) {
        return ApiError(
            400, "invalid",
            absl::StrCat("ALTER TABLE ALTER COLUMN SET DATA TYPE failed for column `", field->name,
                         "`: existing column type ", GoogleSqlName(field->type),
                         " is not assignable to ", GoogleSqlName(*type)));
      }
      retype = retype || field->type != *type;
      field->type = *type;
    } else if (p.AcceptAll({"SET", "OPTIONS"})) {
      if (p.Peek().IsSymbol("(")) p.SkipTo(MatchParen(tokens, p.pos()) + 1);
    } else {
      return InvalidQuery(
          absl::StrCat("ALTER TABLE action not supported by the emulator: ", p.Peek().text));
    }
  } while (p.Accept(","));
  if (!p.AtEnd())
    return InvalidQuery(absl::StrCat("Syntax error: Unexpected \"", p.Peek().text, "\""));
  s = CountTableUpdate(*ref);
  if (!s.ok()) return s;
  record->resource.Set("schema", SchemaToJson(record->schema));
  record->resource.Set("lastModifiedTime", Json::Str(MillisString(Now())));
  record->resource.Set("etag", Json::Str(NewEtag()));
  s = storage_->UpdateTable(*record);
  if (s.ok() && retype) s = storage_->RebuildDataTable(*record);
  if (!s.ok()) return s;
  result.ddl_operation = "ALTER";
  return result;
}

}  // namespace opentrack::emulator
