// Plain value types for the parts of BigQuery's REST resources the collector
// uses. They mirror Google's JSON field names; see docs/bigquery-client.md.
#ifndef OPENTRACK_BIGQUERY_TYPES_H_
#define OPENTRACK_BIGQUERY_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace opentrack::bigquery {

struct TableRef {
  std::string project_id;
  std::string dataset_id;
  std::string table_id;
  // "project:dataset.table", the form BigQuery's messages use.
  std::string ToString() const;
};

// One column. `type` uses BigQuery's legacy names as tables.get returns them:
// STRING, INTEGER, FLOAT, BOOLEAN, TIMESTAMP, ... `mode` is NULLABLE,
// REQUIRED or REPEATED.
struct Field {
  std::string name;
  std::string type;
  std::string mode = "NULLABLE";
  std::string description;
  std::vector<Field> fields;  // RECORD only
  friend bool operator==(const Field&, const Field&) = default;
};

struct TimePartitioning {
  std::string type = "DAY";
  std::string field;  // empty: ingestion time (_PARTITIONTIME)
  friend bool operator==(const TimePartitioning&, const TimePartitioning&) = default;
};

struct Dataset {
  std::string project_id;
  std::string dataset_id;
  std::string location;
  std::string etag;
};

struct Table {
  TableRef ref;
  std::vector<Field> schema;
  std::string etag;
  std::string type = "TABLE";  // TABLE or VIEW (output only)
  std::optional<TimePartitioning> time_partitioning;
  std::vector<std::string> clustering_fields;
  std::string view_query;  // for type VIEW
  std::string description;
};

// One row for tabledata.insertAll. `json` is the row object's JSON text,
// already encoded for the table's column types.
struct InsertRow {
  std::string insert_id;
  std::string json;
};

struct InsertOptions {
  bool skip_invalid_rows = false;
  bool ignore_unknown_values = false;
};

// One entry of insertErrors, flattened: a row with several errors yields
// several entries with the same index.
struct RowError {
  size_t index = 0;
  std::string reason;  // "invalid", "stopped", ...
  std::string location;
  std::string message;
};

struct InsertResult {
  std::vector<RowError> row_errors;  // empty: every row was stored
};

struct QueryRequest {
  std::string project_id;
  std::string query;
  std::string location;
  std::string request_id;  // idempotency for DDL; empty: client picks one
  int64_t timeout_ms = 60000;
};

// Query results with every cell as BigQuery's REST API returns it: a string,
// or nullopt for NULL. Nested and repeated values are not needed here.
struct QueryResult {
  std::vector<Field> schema;
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string job_id;
  std::string statement_type;
  int64_t num_dml_affected_rows = 0;
};

// A load job from newline-delimited JSON sent by media upload.
struct LoadJobRequest {
  TableRef destination;
  std::string job_id;  // client-generated so a retried insert is idempotent
  std::string location;
  std::vector<Field> schema;
  std::string write_disposition = "WRITE_APPEND";
  std::string create_disposition = "CREATE_IF_NEEDED";
  std::vector<std::string> schema_update_options;  // ALLOW_FIELD_ADDITION, ...
  std::optional<TimePartitioning> time_partitioning;
  bool ignore_unknown_values = false;
  int64_t max_bad_records = 0;
};

struct JobError {
  std::string reason;
  std::string location;
  std::string message;
};

struct Job {
  std::string project_id;
  std::string job_id;
  std::string location;
  std::string state;                     // PENDING, RUNNING, DONE
  std::optional<JobError> error_result;  // set iff a DONE job failed
  std::vector<JobError> errors;
  int64_t output_rows = 0;
};

}  // namespace opentrack::bigquery

#endif  // OPENTRACK_BIGQUERY_TYPES_H_
