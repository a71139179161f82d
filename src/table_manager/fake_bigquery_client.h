// In-memory BigQueryClient for tests of table_manager, row_writer and loader.
// It enforces the parts of BigQuery's contract the collector depends on:
// etags and If-Match, append-only schema patches, 404/409, insertAll row
// checks with `stopped` semantics, the 5-per-10 s table metadata quota, and
// the delay before streaming sees new tables and columns (spec 3.5).
#ifndef OPENTRACK_TABLE_MANAGER_FAKE_BIGQUERY_CLIENT_H_
#define OPENTRACK_TABLE_MANAGER_FAKE_BIGQUERY_CLIENT_H_

#include <array>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bigquery/bigquery_client.h"
#include "common/clock.h"

namespace opentrack::table_manager {

// Thread-safe. Time comes from the injected clock (not owned; must outlive).
class FakeBigQueryClient final : public bigquery::BigQueryClient {
 public:
  enum class Method {
    kGetDataset,
    kInsertDataset,
    kGetTable,
    kInsertTable,
    kPatchTableSchema,
    kDeleteTable,
    kInsertAll,
    kQuery,
    kRunLoadJob,
    kGetJob,
    kListTables,
  };
  static constexpr size_t kMethodCount = 11;
  // BigQuery's documented limit for one insertAll request.
  static constexpr size_t kDefaultMaxRequestBytes = 10485760;

  explicit FakeBigQueryClient(Clock* clock);

  absl::StatusOr<bigquery::Dataset> GetDataset(std::string_view project_id,
                                               std::string_view dataset_id) override;
  absl::StatusOr<bigquery::Dataset> InsertDataset(const bigquery::Dataset& dataset) override;
  absl::StatusOr<bigquery::Table> GetTable(const bigquery::TableRef& ref) override;
  absl::StatusOr<bigquery::Table> InsertTable(const bigquery::Table& table) override;
  absl::StatusOr<bigquery::Table> PatchTableSchema(const bigquery::TableRef& ref,
                                                   const std::vector<bigquery::Field>& schema,
                                                   std::string_view etag) override;
  absl::Status DeleteTable(const bigquery::TableRef& ref) override;
  absl::StatusOr<std::vector<bigquery::Table>> ListTables(std::string_view project_id,
                                                          std::string_view dataset_id) override;
  absl::StatusOr<bigquery::InsertResult> InsertAll(const bigquery::TableRef& ref,
                                                   std::span<const bigquery::InsertRow> rows,
                                                   const bigquery::InsertOptions& options) override;
  // Records the request and answers with the scripted result (default: empty).
  absl::StatusOr<bigquery::QueryResult> Query(const bigquery::QueryRequest& request) override;
  absl::StatusOr<bigquery::Job> RunLoadJob(const bigquery::LoadJobRequest& request,
                                           std::string_view ndjson) override;
  absl::StatusOr<bigquery::Job> GetJob(std::string_view project_id, std::string_view job_id,
                                       std::string_view location) override;

  // --- Scripting -----------------------------------------------------------
  // The next `times` calls of `method` fail with `status` before doing anything
  // (and without counting against quotas). Queued scripts run in order.
  void FailNext(Method method, absl::Status status, int times = 1);
  // Runs before every call, outside the lock, with the method about to run:
  // lets a test block a call or play "another collector instance".
  void SetBeforeCallHook(std::function<void(Method)> hook);
  // New tables and columns stay invisible to insertAll for `delay` after the
  // change (table: notFound; column: `no such field`).
  void SetVisibilityDelay(absl::Duration delay);
  void SetMetadataQuota(int updates, absl::Duration window);
  void SetMaxRequestBytes(size_t bytes);
  void SetQueryResult(bigquery::QueryResult result);

  // --- Inspection ----------------------------------------------------------
  int Calls(Method method) const;
  int TotalCalls() const;
  // Calls of every method except InsertAll, Query, RunLoadJob and GetJob.
  int MetadataCalls() const;
  void ResetCalls();
  // Rows stored in a table, in arrival order (no insertId dedup).
  std::vector<bigquery::InsertRow> Rows(const bigquery::TableRef& ref) const;
  // Current table state without counting a call; nullopt if missing.
  std::optional<bigquery::Table> PeekTable(const bigquery::TableRef& ref) const;
  bool HasDataset(std::string_view project_id, std::string_view dataset_id) const;
  // Row count of every insertAll request received, including rejected ones.
  std::vector<size_t> InsertAllBatchSizes() const;
  std::vector<bigquery::LoadJobRequest> LoadJobRequests() const;
  std::vector<bigquery::QueryRequest> QueryRequests() const;
  // Serialized size of an insertAll request body as the REST client sends it.
  static size_t RequestBytes(std::span<const bigquery::InsertRow> rows);

 private:
  struct TableState {
    bigquery::Table table;
    absl::Time created_at;
    // When each top-level column (lower-cased name) was added.
    std::map<std::string, absl::Time> column_added_at;
    std::vector<bigquery::InsertRow> rows;
  };
  struct Script {
    Method method;
    absl::Status status;
  };

  // Pops a scripted failure for `method` and counts the call.
  absl::Status BeginCall(Method method) ABSL_LOCKS_EXCLUDED(mu_);
  // Counts one table metadata update against the quota of the table's name.
  absl::Status ChargeMetadataUpdate(const bigquery::TableRef& ref)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string NextEtag() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  TableState* FindTable(const bigquery::TableRef& ref) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The schema as insertAll sees it now: columns younger than the visibility
  // delay are left out.
  std::vector<bigquery::Field> StreamingSchema(const TableState& state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  mutable absl::Mutex mu_;
  std::function<void(Method)> hook_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, bigquery::Dataset> datasets_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, TableState> tables_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, bigquery::Job> jobs_ ABSL_GUARDED_BY(mu_);
  // Quotas attach to the table name, so they survive delete and recreate.
  std::map<std::string, std::deque<absl::Time>> updates_ ABSL_GUARDED_BY(mu_);
  std::deque<Script> scripts_ ABSL_GUARDED_BY(mu_);
  std::array<int, kMethodCount> calls_ ABSL_GUARDED_BY(mu_) = {};
  std::vector<size_t> insert_all_sizes_ ABSL_GUARDED_BY(mu_);
  std::vector<bigquery::LoadJobRequest> load_requests_ ABSL_GUARDED_BY(mu_);
  std::vector<bigquery::QueryRequest> query_requests_ ABSL_GUARDED_BY(mu_);
  bigquery::QueryResult query_result_ ABSL_GUARDED_BY(mu_);
  absl::Duration visibility_delay_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  int quota_updates_ ABSL_GUARDED_BY(mu_) = 5;
  absl::Duration quota_window_ ABSL_GUARDED_BY(mu_) = absl::Seconds(10);
  size_t max_request_bytes_ ABSL_GUARDED_BY(mu_) = kDefaultMaxRequestBytes;
  uint64_t etag_counter_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace opentrack::table_manager

#endif  // OPENTRACK_TABLE_MANAGER_FAKE_BIGQUERY_CLIENT_H_
