// Decorator applying RetryPolicy to every BigQueryClient method (spec 10.2-10.5).
#ifndef OPENTRACK_BIGQUERY_RETRYING_BIGQUERY_CLIENT_H_
#define OPENTRACK_BIGQUERY_RETRYING_BIGQUERY_CLIENT_H_

#include <memory>

#include "bigquery/bigquery_client.h"
#include "bigquery/retry_policy.h"

namespace opentrack::bigquery {

// Every call is retried per RetryPolicy; retries are safe because insertAll
// rows carry insertIds, queries a requestId and load jobs a jobId, each
// fixed here before the first attempt. InsertDataset/InsertTable answered 409
// (an earlier attempt, or someone else, created it) return the existing
// resource from a GET. Thread-safe if the wrapped client is.
class RetryingBigQueryClient final : public BigQueryClient {
 public:
  RetryingBigQueryClient(std::unique_ptr<BigQueryClient> client,
                         std::shared_ptr<RetryPolicy> policy);

  absl::StatusOr<Dataset> GetDataset(std::string_view project_id,
                                     std::string_view dataset_id) override;
  absl::StatusOr<Dataset> InsertDataset(const Dataset& dataset) override;
  absl::StatusOr<Table> GetTable(const TableRef& ref) override;
  absl::StatusOr<Table> InsertTable(const Table& table) override;
  absl::StatusOr<Table> PatchTableSchema(const TableRef& ref, const std::vector<Field>& schema,
                                         std::string_view etag) override;
  absl::Status DeleteTable(const TableRef& ref) override;
  absl::StatusOr<std::vector<Table>> ListTables(std::string_view project_id,
                                                std::string_view dataset_id) override;
  absl::StatusOr<InsertResult> InsertAll(const TableRef& ref, std::span<const InsertRow> rows,
                                         const InsertOptions& options) override;
  absl::StatusOr<QueryResult> Query(const QueryRequest& request) override;
  absl::StatusOr<Job> RunLoadJob(const LoadJobRequest& request, std::string_view ndjson) override;
  absl::StatusOr<Job> GetJob(std::string_view project_id, std::string_view job_id,
                             std::string_view location) override;

 private:
  const std::unique_ptr<BigQueryClient> client_;
  const std::shared_ptr<RetryPolicy> policy_;
};

}  // namespace opentrack::bigquery

#endif  // OPENTRACK_BIGQUERY_RETRYING_BIGQUERY_CLIENT_H_
