// The collector's view of BigQuery: the handful of REST methods it calls.
// Implementations are layered (docs/architecture.md): RestBigQueryClient does
// one HTTP call per method; RetryingBigQueryClient adds the retry policy;
// MakeBigQueryClient() stacks them. Fakes implement it directly in tests.
#ifndef OPENTRACK_BIGQUERY_BIGQUERY_CLIENT_H_
#define OPENTRACK_BIGQUERY_BIGQUERY_CLIENT_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bigquery/types.h"

namespace opentrack::bigquery {

// Errors are absl::Status. The HTTP code maps to the Status code in one place
// (error_mapping.h); BigQuery's `errors[0].reason` travels as a payload, read
// with ErrorReason(), because retry decisions depend on the reason, not the code.
class BigQueryClient {
 public:
  virtual ~BigQueryClient() = default;

  virtual absl::StatusOr<Dataset> GetDataset(std::string_view project_id,
                                             std::string_view dataset_id) = 0;
  virtual absl::StatusOr<Dataset> InsertDataset(const Dataset& dataset) = 0;

  virtual absl::StatusOr<Table> GetTable(const TableRef& ref) = 0;
  virtual absl::StatusOr<Table> InsertTable(const Table& table) = 0;
  // PATCH with the table's whole new schema; `etag` non-empty sends If-Match
  // (stale etag: FailedPrecondition).
  virtual absl::StatusOr<Table> PatchTableSchema(const TableRef& ref,
                                                 const std::vector<Field>& schema,
                                                 std::string_view etag) = 0;
  virtual absl::Status DeleteTable(const TableRef& ref) = 0;
  // tables.list, every page: each entry has `ref` and `type` (TABLE, VIEW, ...)
  // filled, not the schema.
  virtual absl::StatusOr<std::vector<Table>> ListTables(std::string_view project_id,
                                                        std::string_view dataset_id) = 0;

  // HTTP 200 with row errors is not an error Status: see InsertResult.
  virtual absl::StatusOr<InsertResult> InsertAll(const TableRef& ref,
                                                 std::span<const InsertRow> rows,
                                                 const InsertOptions& options) = 0;

  // GoogleSQL (useLegacySql=false); waits for completion.
  virtual absl::StatusOr<QueryResult> Query(const QueryRequest& request) = 0;

  // jobs.insert with media upload of NDJSON, then polls until DONE.
  virtual absl::StatusOr<Job> RunLoadJob(const LoadJobRequest& request,
                                         std::string_view ndjson) = 0;
  virtual absl::StatusOr<Job> GetJob(std::string_view project_id, std::string_view job_id,
                                     std::string_view location) = 0;
};

}  // namespace opentrack::bigquery

#endif  // OPENTRACK_BIGQUERY_BIGQUERY_CLIENT_H_
