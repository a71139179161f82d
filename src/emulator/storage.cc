#include "emulator/storage.h"

#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "emulator/api_error.h"

namespace opentrack::emulator {
namespace {

constexpr char kCatalogSql[] = R"sql(
CREATE TABLE IF NOT EXISTS ot_datasets(
  project TEXT NOT NULL, dataset TEXT NOT NULL, resource TEXT NOT NULL,
  PRIMARY KEY(project, dataset));
CREATE TABLE IF NOT EXISTS ot_tables(
  id INTEGER PRIMARY KEY AUTOINCREMENT, project TEXT NOT NULL, dataset TEXT NOT NULL,
  table_id TEXT NOT NULL, resource TEXT NOT NULL, UNIQUE(project, dataset, table_id));
CREATE TABLE IF NOT EXISTS ot_jobs(
  project TEXT NOT NULL, job_id TEXT NOT NULL, resource TEXT NOT NULL,
  PRIMARY KEY(project, job_id));
)sql";

absl::StatusOr<TableRecord> RecordFrom(int64_t id, const TableRef& ref, const std::string& text) {
  absl::StatusOr<Json> resource = Json::Parse(text);
  if (!resource.ok()) return absl::InternalError("corrupt table resource in catalog");
  TableRecord record;
  record.id = id;
  record.ref = ref;
  record.resource = std::move(*resource);
  if (const Json* schema = record.resource.Find("schema")) {
    absl::StatusOr<Schema> parsed = ParseSchema(*schema);
    if (!parsed.ok()) return parsed.status();
    record.schema = std::move(*parsed);
  }
  return record;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Storage>> Storage::Open(const std::string& path) {
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(path);
  if (!db.ok()) return db.status();
  std::unique_ptr<Storage> storage(new Storage(std::move(*db)));
  absl::Status s = storage->db_->Exec(kCatalogSql);
  if (!s.ok()) return s;
  (void)storage->db_->Exec("PRAGMA journal_mode=WAL");
  return storage;
}

absl::StatusOr<Json> Storage::GetDataset(const std::string& project, const std::string& dataset) {
  auto stmt = db_->Prepare("SELECT resource FROM ot_datasets WHERE project=? AND dataset=?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, project).Bind(2, dataset);
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFound(absl::StrCat("Not found: Dataset ", project, ":", dataset));
  return Json::Parse(stmt->Text(0));
}

absl::Status Storage::InsertDataset(const std::string& project, const std::string& dataset,
                                    const Json& resource) {
  auto stmt = db_->Prepare(
      "INSERT INTO ot_datasets(project, dataset, resource) VALUES(?,?,?) "
      "ON CONFLICT DO NOTHING");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, project).Bind(2, dataset).Bind(3, resource.Dump());
  absl::Status s = stmt->Run();
  if (!s.ok()) return s;
  if (sqlite3_changes(db_->raw()) == 0) {
    return Duplicate(absl::StrCat("Already Exists: Dataset ", project, ":", dataset));
  }
  return absl::OkStatus();
}

absl::Status Storage::UpdateDataset(const std::string& project, const std::string& dataset,
                                    const Json& resource) {
  auto stmt = db_->Prepare("UPDATE ot_datasets SET resource=? WHERE project=? AND dataset=?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, resource.Dump()).Bind(2, project).Bind(3, dataset);
  return stmt->Run();
}

absl::StatusOr<std::vector<Json>> Storage::ListDatasets(const std::string& project) {
  auto stmt = db_->Prepare("SELECT resource FROM ot_datasets WHERE project=? ORDER BY dataset");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, project);
  std::vector<Json> out;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    absl::StatusOr<Json> j = Json::Parse(stmt->Text(0));
    if (j.ok()) out.push_back(std::move(*j));
  }
  return out;
}

absl::Status Storage::DeleteDataset(const std::string& project, const std::string& dataset,
                                    bool delete_contents) {
  absl::StatusOr<Json> existing = GetDataset(project, dataset);
  if (!existing.ok()) return existing.status();
  absl::StatusOr<std::vector<TableRecord>> tables = ListTables(project, dataset);
  if (!tables.ok()) return tables.status();
  if (!tables->empty() && !delete_contents) {
    return ApiError(400, "resourceInUse",
                    absl::StrCat("Dataset ", project, ":", dataset, " is still in use"));
  }
  for (const TableRecord& t : *tables) {
    absl::Status s = DeleteTable(t.ref);
    if (!s.ok()) return s;
  }
  auto stmt = db_->Prepare("DELETE FROM ot_datasets WHERE project=? AND dataset=?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, project).Bind(2, dataset);
  return stmt->Run();
}

absl::StatusOr<TableRecord> Storage::GetTable(const TableRef& ref) {
  absl::StatusOr<Json> dataset = GetDataset(ref.project, ref.dataset);
  if (!dataset.ok()) return dataset.status();
  auto stmt = db_->Prepare(
      "SELECT id, resource FROM ot_tables WHERE project=? AND dataset=? AND table_id=?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, ref.project).Bind(2, ref.dataset).Bind(3, ref.table);
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFound(absl::StrCat("Not found: Table ", ref.Display()));
  return RecordFrom(stmt->Int(0), ref, stmt->Text(1));
}

absl::StatusOr<TableRecord> Storage::CreateTable(const TableRef& ref, Json resource,
                                                 Schema schema) {
  absl::StatusOr<Json> dataset = GetDataset(ref.project, ref.dataset);
  if (!dataset.ok()) return dataset.status();
  auto stmt = db_->Prepare(
      "INSERT INTO ot_tables(project, dataset, table_id, resource) VALUES(?,?,?,?) "
      "ON CONFLICT DO NOTHING");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, ref.project).Bind(2, ref.dataset).Bind(3, ref.table).Bind(4, resource.Dump());
  absl::Status s = stmt->Run();
  if (!s.ok()) return s;
  if (sqlite3_changes(db_->raw()) == 0) {
    return Duplicate(absl::StrCat("Already Exists: Table ", ref.Display()));
  }
  TableRecord record;
  record.id = sqlite3_last_insert_rowid(db_->raw());
  record.ref = ref;
  record.resource = std::move(resource);
  record.schema = std::move(schema);
  if (!record.is_view()) {
    s = CreateDataTable(record);
    if (!s.ok()) return s;
  }
  return record;
}

absl::Status Storage::CreateDataTable(const TableRecord& table) {
  std::vector<std::string> columns;
  for (const Field& f : table.schema) {
    columns.push_back(absl::StrCat(QuoteIdent(f.name), " ", SqlDeclType(f)));
  }
  columns.push_back("\"_PARTITIONTIME\" TIMESTAMP INT");
  return db_->Exec(absl::StrCat("CREATE TABLE IF NOT EXISTS ", QuoteIdent(table.DataTable()), "(",
                                absl::StrJoin(columns, ", "), ")"));
}

absl::Status Storage::UpdateTable(const TableRecord& record) {
  auto stmt = db_->Prepare("UPDATE ot_tables SET resource=? WHERE id=?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, record.resource.Dump()).Bind(2, record.id);
  absl::Status s = stmt->Run();
  if (!s.ok() || record.is_view()) return s;
  // Columns the data table lacks are added; existing ones keep their data.
  auto info = db_->Prepare(absl::StrCat("PRAGMA table_info(", QuoteIdent(record.DataTable()), ")"));
  if (!info.ok()) return info.status();
  absl::flat_hash_set<std::string> existing;
  while (true) {
    absl::StatusOr<bool> row = info->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    existing.insert(absl::AsciiStrToLower(info->Text(1)));
  }
  if (existing.empty()) return CreateDataTable(record);
  for (const Field& f : record.schema) {
    if (existing.contains(absl::AsciiStrToLower(f.name))) continue;
    s = db_->Exec(absl::StrCat("ALTER TABLE ", QuoteIdent(record.DataTable()), " ADD COLUMN ",
                               QuoteIdent(f.name), " ", SqlDeclType(f)));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Storage::DeleteTable(const TableRef& ref) {
  absl::StatusOr<TableRecord> record = GetTable(ref);
  if (!record.ok()) return record.status();
  absl::Status s =
      db_->Exec(absl::StrCat("DROP TABLE IF EXISTS ", QuoteIdent(record->DataTable())));
  if (!s.ok()) return s;
  auto stmt = db_->Prepare("DELETE FROM ot_tables WHERE id=?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, record->id);
  return stmt->Run();
}

absl::StatusOr<std::vector<TableRecord>> Storage::ListTables(const std::string& project,
                                                             const std::string& dataset) {
  auto stmt = db_->Prepare(
      "SELECT id, table_id, resource FROM ot_tables WHERE project=? AND dataset=? "
      "ORDER BY table_id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, project).Bind(2, dataset);
  std::vector<TableRecord> out;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    absl::StatusOr<TableRecord> r =
        RecordFrom(stmt->Int(0), TableRef{project, dataset, stmt->Text(1)}, stmt->Text(2));
    if (r.ok()) out.push_back(std::move(*r));
  }
  return out;
}

absl::Status Storage::InsertRows(const TableRecord& table, const std::vector<StoredRow>& rows,
                                 int64_t partition_micros) {
  // Rows usually share their column list, so one prepared statement is
  // reused until the list changes.
  std::string current_sql;
  std::optional<Statement> stmt;
  for (const StoredRow& row : rows) {
    std::vector<std::string> names;
    for (const auto& [name, value] : row) names.push_back(QuoteIdent(name));
    names.push_back("\"_PARTITIONTIME\"");
    std::string sql = absl::StrCat("INSERT INTO ", QuoteIdent(table.DataTable()), "(",
                                   absl::StrJoin(names, ","), ") VALUES(");
    for (size_t i = 0; i < names.size(); ++i) absl::StrAppend(&sql, i == 0 ? "?" : ",?");
    sql.push_back(')');
    if (sql != current_sql) {
      auto prepared = db_->Prepare(sql);
      if (!prepared.ok()) return prepared.status();
      stmt.emplace(std::move(*prepared));
      current_sql = std::move(sql);
    } else {
      sqlite3_reset(stmt->raw());
    }
    int index = 1;
    for (const auto& [name, value] : row) stmt->BindValue(index++, value);
    stmt->Bind(index, partition_micros);
    absl::Status s = stmt->Run();
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Storage::CountRows(const TableRecord& table) {
  if (table.is_view()) return 0;
  auto stmt = db_->Prepare(absl::StrCat("SELECT COUNT(*) FROM ", QuoteIdent(table.DataTable())));
  if (!stmt.ok()) return stmt.status();
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return stmt->Int(0);
}

absl::Status Storage::ResetData(const TableRecord& table) {
  absl::Status s = db_->Exec(absl::StrCat("DROP TABLE IF EXISTS ", QuoteIdent(table.DataTable())));
  if (!s.ok()) return s;
  return CreateDataTable(table);
}

absl::Status Storage::RebuildDataTable(const TableRecord& table) {
  const std::string name = QuoteIdent(table.DataTable());
  const std::string old = QuoteIdent(table.DataTable() + "_old");
  absl::Status s = db_->Exec(absl::StrCat("ALTER TABLE ", name, " RENAME TO ", old));
  if (!s.ok()) return s;
  s = CreateDataTable(table);
  if (!s.ok()) return s;
  std::vector<std::string> columns;
  for (const Field& f : table.schema) columns.push_back(QuoteIdent(f.name));
  columns.push_back("\"_PARTITIONTIME\"");
  const std::string list = absl::StrJoin(columns, ", ");
  s = db_->Exec(absl::StrCat("INSERT INTO ", name, "(", list, ") SELECT ", list, " FROM ", old));
  if (!s.ok()) return s;
  return db_->Exec(absl::StrCat("DROP TABLE ", old));
}

absl::Status Storage::InsertJob(const std::string& project, const std::string& job_id,
                                const Json& job) {
  auto stmt = db_->Prepare(
      "INSERT INTO ot_jobs(project, job_id, resource) VALUES(?,?,?) ON CONFLICT DO NOTHING");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, project).Bind(2, job_id).Bind(3, job.Dump());
  absl::Status s = stmt->Run();
  if (!s.ok()) return s;
  if (sqlite3_changes(db_->raw()) == 0) {
    return Duplicate(absl::StrCat("Already Exists: Job ", project, ":", job_id));
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> Storage::GetJob(const std::string& project, const std::string& job_id) {
  auto stmt = db_->Prepare("SELECT resource FROM ot_jobs WHERE project=? AND job_id=?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, project).Bind(2, job_id);
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFound(absl::StrCat("Not found: Job ", project, ":", job_id));
  return Json::Parse(stmt->Text(0));
}

absl::Status Storage::UpdateJob(const std::string& project, const std::string& job_id,
                                const Json& job) {
  auto stmt = db_->Prepare("UPDATE ot_jobs SET resource=? WHERE project=? AND job_id=?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, job.Dump()).Bind(2, project).Bind(3, job_id);
  return stmt->Run();
}

}  // namespace opentrack::emulator
