// JSON shapes of BigQuery's REST resources: writers build request bodies by
// hand (common/json_text.h); readers take simdjson DOM elements. Private to
// RestBigQueryClient; exposed for tests.
#ifndef OPENTRACK_BIGQUERY_REST_JSON_H_
#define OPENTRACK_BIGQUERY_REST_JSON_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bigquery/types.h"
#include "simdjson.h"

namespace opentrack::bigquery::rest_internal {

// {"fields":[...]} (TableSchema).
void AppendSchema(std::string* out, const std::vector<Field>& fields);
// {"projectId":..,"datasetId":..,"tableId":..} (TableReference).
void AppendTableRef(std::string* out, const TableRef& ref);
void AppendTimePartitioning(std::string* out, const TimePartitioning& partitioning);

std::string DatasetJson(const Dataset& dataset);
std::string TableJson(const Table& table);
std::string SchemaPatchJson(const std::vector<Field>& schema);
std::string InsertAllJson(std::span<const InsertRow> rows, const InsertOptions& options);
std::string QueryJson(const QueryRequest& request, std::string_view request_id);
std::string LoadJobJson(const LoadJobRequest& request, std::string_view job_id);

// Readers fail with InternalError("malformed ... response") when the body is
// not JSON or lacks the resource reference; unknown members are ignored.
absl::StatusOr<Dataset> ParseDataset(std::string_view json);
absl::StatusOr<Table> ParseTable(std::string_view json);
// One page of tables.list: the tables (ref and type) and the next page token.
absl::StatusOr<std::vector<Table>> ParseTableList(std::string_view json,
                                                  std::string* next_page_token);
absl::StatusOr<InsertResult> ParseInsertAllResponse(std::string_view json);
absl::StatusOr<Job> ParseJob(std::string_view json);

// One page of jobs.query / jobs.getQueryResults.
struct QueryPage {
  bool job_complete = false;
  std::string job_id;
  std::string location;
  std::string page_token;
  std::vector<Field> schema;
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string statement_type;
  int64_t num_dml_affected_rows = 0;
};
absl::StatusOr<QueryPage> ParseQueryPage(std::string_view json);

}  // namespace opentrack::bigquery::rest_internal

#endif  // OPENTRACK_BIGQUERY_REST_JSON_H_
