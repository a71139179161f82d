// The emulator's persistent state in one SQLite database: a catalog of
// datasets, tables and jobs (resources kept as JSON) and one SQLite table per
// BigQuery table. Errors come back as BigQuery ApiErrors. Not thread-safe.
#ifndef OPENTRACK_EMULATOR_STORAGE_H_
#define OPENTRACK_EMULATOR_STORAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emulator/json.h"
#include "emulator/schema.h"
#include "emulator/sqlite_db.h"
#include "emulator/values.h"

namespace opentrack::emulator {

struct TableRef {
  std::string project, dataset, table;
  std::string Display() const { return project + ":" + dataset + "." + table; }
};

struct TableRecord {
  int64_t id = 0;
  TableRef ref;
  Json resource;  // the Table resource without computed fields (numRows)
  Schema schema;
  bool is_view() const { return resource.GetString("type") == "VIEW"; }
  std::string DataTable() const { return "data_" + std::to_string(id); }
};

class Storage {
 public:
  static absl::StatusOr<std::unique_ptr<Storage>> Open(const std::string& path);

  SqliteDb& db() { return *db_; }

  absl::StatusOr<Json> GetDataset(const std::string& project, const std::string& dataset);
  absl::Status InsertDataset(const std::string& project, const std::string& dataset,
                             const Json& resource);
  absl::Status UpdateDataset(const std::string& project, const std::string& dataset,
                             const Json& resource);
  absl::StatusOr<std::vector<Json>> ListDatasets(const std::string& project);
  absl::Status DeleteDataset(const std::string& project, const std::string& dataset,
                             bool delete_contents);

  absl::StatusOr<TableRecord> GetTable(const TableRef& ref);
  // Creates the catalog entry and (for tables) the data table.
  absl::StatusOr<TableRecord> CreateTable(const TableRef& ref, Json resource, Schema schema);
  // Saves `record.resource` and adds data columns for new top-level fields;
  // with `retype` the data table is rebuilt for changed column types.
  absl::Status UpdateTable(const TableRecord& record);
  absl::Status DeleteTable(const TableRef& ref);
  absl::StatusOr<std::vector<TableRecord>> ListTables(const std::string& project,
                                                      const std::string& dataset);

  absl::Status InsertRows(const TableRecord& table, const std::vector<StoredRow>& rows,
                          int64_t partition_micros);
  absl::StatusOr<int64_t> CountRows(const TableRecord& table);
  // Drops the data and recreates the data table from `table.schema`.
  absl::Status ResetData(const TableRecord& table);
  // Recreates the data table with `table.schema`'s column types, keeping rows.
  absl::Status RebuildDataTable(const TableRecord& table);

  absl::Status InsertJob(const std::string& project, const std::string& job_id, const Json& job);
  absl::StatusOr<Json> GetJob(const std::string& project, const std::string& job_id);
  absl::Status UpdateJob(const std::string& project, const std::string& job_id, const Json& job);

  absl::Status Begin() { return db_->Exec("BEGIN"); }
  absl::Status Commit() { return db_->Exec("COMMIT"); }
  void Rollback() { (void)db_->Exec("ROLLBACK"); }

 private:
  explicit Storage(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  absl::Status CreateDataTable(const TableRecord& table);

  std::unique_ptr<SqliteDb> db_;
};

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_STORAGE_H_
