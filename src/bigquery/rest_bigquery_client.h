// BigQueryClient over BigQuery's REST API: one HTTP call per method, except
// RunLoadJob (upload, then poll jobs.get) and Query (polls getQueryResults
// while jobComplete is false). No retries here beyond one token refresh on
// 401; RetryingBigQueryClient adds them.
#ifndef OPENTRACK_BIGQUERY_REST_BIGQUERY_CLIENT_H_
#define OPENTRACK_BIGQUERY_REST_BIGQUERY_CLIENT_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "auth/credentials.h"
#include "bigquery/bigquery_client.h"
#include "common/clock.h"
#include "http_client/http_client.h"

namespace opentrack::bigquery {

inline constexpr char kDefaultApiBase[] = "https://bigquery.googleapis.com/bigquery/v2";
inline constexpr char kDefaultUploadBase[] = "https://bigquery.googleapis.com/upload/bigquery/v2";
// Client-generated load job ids are this prefix plus a UUID (spec 10.5).
inline constexpr char kLoadJobIdPrefix[] = "opentrack_load_";

struct RestOptions {
  std::string api_base = kDefaultApiBase;
  std::string upload_base = kDefaultUploadBase;
  std::string user_agent = "opentrack-bq/0.1";
  absl::Duration request_timeout = absl::Seconds(60);
  // For each upload request (a whole multipart body or one resumable chunk).
  absl::Duration upload_timeout = absl::Minutes(10);
  // Uploads below this use uploadType=multipart, others resumable (spec 10.15).
  size_t multipart_limit = 5 << 20;
  // Resumable chunk size; a multiple of 256 KiB as Google requires.
  size_t resumable_chunk_bytes = 100 << 20;
  // How many times an interrupted resumable upload asks where to resume.
  int max_upload_resumes = 5;
  std::string job_id_prefix = kLoadJobIdPrefix;
  // jobs.get polling: waits start here and double up to the max.
  absl::Duration job_poll_initial = absl::Seconds(1);
  absl::Duration job_poll_max = absl::Seconds(10);
  absl::Duration job_wait_timeout = absl::Hours(6);
  // Reruns (under new jobIds) of loads that end in jobBackendError & co.
  int max_job_reruns = 3;
};

// Thread-safe if the HttpClient and Credentials are.
class RestBigQueryClient final : public BigQueryClient {
 public:
  RestBigQueryClient(RestOptions options, std::shared_ptr<http_client::HttpClient> http,
                     std::shared_ptr<auth::Credentials> credentials, Clock* clock);

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
  // Pages through every result row. An empty request_id gets a fresh UUID.
  absl::StatusOr<QueryResult> Query(const QueryRequest& request) override;
  // Returns OK with Job.error_result set when the job ran and failed; a
  // Status error only when the API could not be used. Empty job_id gets
  // job_id_prefix + UUID; a 409 on it means a retried insert: jobs.get.
  absl::StatusOr<Job> RunLoadJob(const LoadJobRequest& request, std::string_view ndjson) override;
  absl::StatusOr<Job> GetJob(std::string_view project_id, std::string_view job_id,
                             std::string_view location) override;

 private:
  struct Call {
    std::string method;
    std::string url;
    std::string body;
    http_client::Headers headers;
    std::string what;                               // e.g. "tables.get p:d.t", prefixes errors
    absl::Duration timeout = absl::ZeroDuration();  // zero: request_timeout
  };
  // Sends with auth; on 401 invalidates the token and retries once. Non-2xx
  // answers (other than 308 when `allow_308`) become errors via MapHttpError.
  absl::StatusOr<http_client::HttpResponse> Send(Call call, bool allow_308 = false);

  std::string TableUrl(const TableRef& ref) const;
  absl::StatusOr<Job> InsertLoadJob(const LoadJobRequest& request, std::string_view job_id,
                                    std::string_view ndjson);
  absl::StatusOr<Job> UploadMultipart(const LoadJobRequest& request, std::string_view job_id,
                                      std::string_view ndjson);
  absl::StatusOr<Job> UploadResumable(const LoadJobRequest& request, std::string_view job_id,
                                      std::string_view ndjson);
  absl::StatusOr<Job> WaitForJob(Job job);

  const RestOptions options_;
  const std::shared_ptr<http_client::HttpClient> http_;
  const std::shared_ptr<auth::Credentials> credentials_;
  Clock* const clock_;
};

}  // namespace opentrack::bigquery

#endif  // OPENTRACK_BIGQUERY_REST_BIGQUERY_CLIENT_H_
