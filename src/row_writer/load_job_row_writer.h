// RowWriter over batch load jobs (free, unlike streaming): one NDJSON load per
// batch with a job id derived from the batch, under a per-table job budget.
#ifndef OPENTRACK_ROW_WRITER_LOAD_JOB_ROW_WRITER_H_
#define OPENTRACK_ROW_WRITER_LOAD_JOB_ROW_WRITER_H_

#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bigquery/bigquery_client.h"
#include "common/clock.h"
#include "row_writer/row_writer.h"

namespace opentrack::row_writer {

struct LoadJobRowWriterOptions {
  std::string location = "US";
  std::string job_id_prefix = "opentrack_load_";
  // Per-table budget. BigQuery allows 1,500 load jobs per table per day,
  // failures included; one a minute is 1,440.
  absl::Duration min_interval = absl::Minutes(1);
  int max_jobs_per_day = 1440;
  // Attempts under fresh ids when an earlier job with this batch's id failed.
  int max_job_id_attempts = 5;
  // Waiting for a job found RUNNING (started by an earlier attempt).
  absl::Duration max_poll = absl::Minutes(10);
  Clock* clock = nullptr;  // null: RealClock::Get()
};

// Thread-safe. `client` is not owned. `fallback` (not owned, may be null) gets
// a batch whose load failed on bad data: a StreamingRowWriter with a sink
// finds and quarantines exactly the bad rows, which a load job cannot.
class LoadJobRowWriter final : public RowWriter {
 public:
  LoadJobRowWriter(bigquery::BigQueryClient* client, RowWriter* fallback,
                   LoadJobRowWriterOptions options = {});

  // Blocks (on the clock) until the table's budget allows a job. Loaders
  // should size batches so they flush no sooner than NextJobTime().
  absl::StatusOr<WriteResult> Write(const bigquery::TableRef& table,
                                    std::span<const EncodedRow> rows) override;

  // Earliest time the next load job for `table` may start.
  absl::Time NextJobTime(const bigquery::TableRef& table);

  // prefix + 32 hex digits of SHA-256 over the table and every row's insert
  // id (its JSON when the id is empty): the same batch always gets the same id.
  static std::string JobIdFor(std::string_view prefix, const bigquery::TableRef& table,
                              std::span<const EncodedRow> rows);

 private:
  absl::Time NextJobTimeLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status TakeBudget(const bigquery::TableRef& table);
  absl::StatusOr<bigquery::Job> AwaitDone(bigquery::Job job);

  bigquery::BigQueryClient* const client_;
  RowWriter* const fallback_;
  const LoadJobRowWriterOptions options_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::map<std::string, std::deque<absl::Time>> started_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opentrack::row_writer

#endif  // OPENTRACK_ROW_WRITER_LOAD_JOB_ROW_WRITER_H_
