#include "bigquery/retrying_bigquery_client.h"

#include <string>
#include <utility>

#include "bigquery/rest_bigquery_client.h"
#include "common/uuid.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::bigquery {

using http_client_internal::Cat;

RetryingBigQueryClient::RetryingBigQueryClient(std::unique_ptr<BigQueryClient> client,
                                               std::shared_ptr<RetryPolicy> policy)
    : client_(std::move(client)), policy_(std::move(policy)) {}

absl::StatusOr<Dataset> RetryingBigQueryClient::GetDataset(std::string_view project_id,
                                                           std::string_view dataset_id) {
  return policy_->Run<Dataset>("datasets.get",
                               [&] { return client_->GetDataset(project_id, dataset_id); });
}

absl::StatusOr<Dataset> RetryingBigQueryClient::InsertDataset(const Dataset& dataset) {
  auto inserted =
      policy_->Run<Dataset>("datasets.insert", [&] { return client_->InsertDataset(dataset); });
  if (inserted.status().code() != absl::StatusCode::kAlreadyExists) return inserted;
  return GetDataset(dataset.project_id, dataset.dataset_id);  // spec 10.4
}

absl::StatusOr<Table> RetryingBigQueryClient::GetTable(const TableRef& ref) {
  return policy_->Run<Table>("tables.get", [&] { return client_->GetTable(ref); });
}

absl::StatusOr<Table> RetryingBigQueryClient::InsertTable(const Table& table) {
  auto inserted = policy_->Run<Table>("tables.insert", [&] { return client_->InsertTable(table); });
  if (inserted.status().code() != absl::StatusCode::kAlreadyExists) return inserted;
  return GetTable(table.ref);  // spec 10.4
}

absl::StatusOr<Table> RetryingBigQueryClient::PatchTableSchema(const TableRef& ref,
                                                               const std::vector<Field>& schema,
                                                               std::string_view etag) {
  return policy_->Run<Table>("tables.patch",
                             [&] { return client_->PatchTableSchema(ref, schema, etag); });
}

absl::StatusOr<std::vector<Table>> RetryingBigQueryClient::ListTables(std::string_view project_id,
                                                                      std::string_view dataset_id) {
  return policy_->Run<std::vector<Table>>(
      "tables.list", [&] { return client_->ListTables(project_id, dataset_id); });
}

absl::Status RetryingBigQueryClient::DeleteTable(const TableRef& ref) {
  return policy_->Run("tables.delete", [&] { return client_->DeleteTable(ref); });
}

absl::StatusOr<InsertResult> RetryingBigQueryClient::InsertAll(const TableRef& ref,
                                                               std::span<const InsertRow> rows,
                                                               const InsertOptions& options) {
  return policy_->Run<InsertResult>("tabledata.insertAll",
                                    [&] { return client_->InsertAll(ref, rows, options); });
}

absl::StatusOr<QueryResult> RetryingBigQueryClient::Query(const QueryRequest& request) {
  QueryRequest fixed = request;
  if (fixed.request_id.empty()) fixed.request_id = NewUuid();  // same id on every attempt
  return policy_->Run<QueryResult>("jobs.query", [&] { return client_->Query(fixed); });
}

absl::StatusOr<Job> RetryingBigQueryClient::RunLoadJob(const LoadJobRequest& request,
                                                       std::string_view ndjson) {
  LoadJobRequest fixed = request;
  if (fixed.job_id.empty()) fixed.job_id = Cat(kLoadJobIdPrefix, NewUuid());
  return policy_->Run<Job>("load job", [&] { return client_->RunLoadJob(fixed, ndjson); });
}

absl::StatusOr<Job> RetryingBigQueryClient::GetJob(std::string_view project_id,
                                                   std::string_view job_id,
                                                   std::string_view location) {
  return policy_->Run<Job>("jobs.get",
                           [&] { return client_->GetJob(project_id, job_id, location); });
}

}  // namespace opentrack::bigquery
