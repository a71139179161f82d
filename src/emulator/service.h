// The emulator's request router and handlers: a pure function from an HTTP
// request to a response over the SQLite storage, so it is unit-tested without
// sockets. Thread-safe: one mutex serialises requests (as BigQuery's
// per-table consistency is not what the tests probe).
#ifndef OPENTRACK_EMULATOR_SERVICE_H_
#define OPENTRACK_EMULATOR_SERVICE_H_

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "emulator/emulator.h"
#include "emulator/json.h"
#include "emulator/query_engine.h"
#include "emulator/quota.h"
#include "emulator/storage.h"
#include "http_server/http_server.h"

namespace opentrack::emulator {

class Service {
 public:
  static absl::StatusOr<std::unique_ptr<Service>> Create(EmulatorOptions options);

  http::Response Handle(const http::Request& request);
  void SetFaults(const FaultOptions& faults);

 private:
  struct Call {  // a parsed request
    const http::Request* request;
    bool upload = false;
    std::vector<std::string> segments;  // after "projects"
    std::string project;
  };
  struct LagEntry {
    absl::Time changed_at;
    bool existed_before = false;
    Schema previous;
  };
  struct UploadSession {
    std::string project;
    Json job;
    std::string data;
  };

  Service(EmulatorOptions options, std::unique_ptr<Storage> storage);

  absl::StatusOr<http::Response> Dispatch(const Call& call) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckFaults(const http::Request& request) ABSL_LOCKS_EXCLUDED(mu_);

  // Datasets (service_datasets.cc).
  absl::StatusOr<http::Response> InsertDataset(const Call& call) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> GetDataset(const Call& call, const std::string& dataset)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> UpdateDataset(const Call& call, const std::string& dataset,
                                               bool patch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> ListDatasets(const Call& call) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> DeleteDataset(const Call& call, const std::string& dataset)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Tables (service_tables.cc).
  absl::StatusOr<http::Response> InsertTable(const Call& call, const std::string& dataset)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> GetTable(const TableRef& ref) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> UpdateTable(const Call& call, const TableRef& ref, bool patch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> ListTables(const Call& call, const std::string& dataset)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> DeleteTable(const TableRef& ref)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<TableRecord> CreateTableRecord(const TableRef& ref, Json body,
                                                bool count_quota = true)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json TableResource(const TableRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Table data (service_tabledata.cc).
  absl::StatusOr<http::Response> InsertAll(const Call& call, const TableRef& ref)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> ListTableData(const Call& call, const TableRef& ref)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Jobs (service_jobs.cc).
  absl::StatusOr<http::Response> InsertJob(const Call& call) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> UploadChunk(const Call& call) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> GetJob(const Call& call, const std::string& job_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> Query(const Call& call) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<http::Response> GetQueryResults(const Call& call, const std::string& job_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Creates and runs a job; the returned Job is DONE (maybe with errorResult).
  absl::StatusOr<Json> RunJob(const std::string& project, Json job, const std::string* data)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A failed load returns the job's errorResult; `errors` gets the details.
  absl::Status RunLoad(const std::string& project, const Json& load, const std::string& data,
                       Json* statistics, Json* errors) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<QueryResult> RunQuery(const std::string& project, const Json& config)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<QueryResult> RunDdl(const std::vector<Token>& tokens, const std::string& sql,
                                     const QueryContext& context)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckJobLocation(const Json& job, const http::Request& request);

  // Quotas and metadata lag.
  absl::Status CountTableUpdate(const TableRef& ref) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CountDatasetUpdate(const std::string& project, const std::string& dataset)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordMetadataChange(const TableRef& ref, bool existed, const Schema& previous)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Time Now() { return clock_->Now(); }
  std::string NewEtag() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string MillisString(absl::Time t) const;

  const EmulatorOptions options_;
  Clock* const clock_;

  absl::Mutex faults_mu_;
  FaultOptions faults_ ABSL_GUARDED_BY(faults_mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(faults_mu_);

  absl::Mutex mu_;
  std::unique_ptr<Storage> storage_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<QueryEngine> engine_ ABSL_GUARDED_BY(mu_);
  WindowCounter table_updates_ ABSL_GUARDED_BY(mu_);
  WindowCounter dataset_updates_ ABSL_GUARDED_BY(mu_);
  WindowCounter load_jobs_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Time> insert_ids_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, LagEntry> lag_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, UploadSession> uploads_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, QueryResult> results_ ABSL_GUARDED_BY(mu_);
  uint64_t etag_counter_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_SERVICE_H_
