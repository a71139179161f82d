#include "row_writer/load_job_row_writer.h"

#include <openssl/evp.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "table_manager/schema_merge.h"

namespace opentrack::row_writer {
namespace {

using table_manager::FormatTableRef;

absl::StatusCode CodeForJobReason(std::string_view reason) {
  if (reason == "notFound") return absl::StatusCode::kNotFound;
  if (reason == "invalid") return absl::StatusCode::kInvalidArgument;
  if (reason == "rateLimitExceeded" || reason == "quotaExceeded") {
    return absl::StatusCode::kResourceExhausted;
  }
  return absl::StatusCode::kUnavailable;  // backendError, internalError, ...
}

}  // namespace

LoadJobRowWriter::LoadJobRowWriter(bigquery::BigQueryClient* client, RowWriter* fallback,
                                   LoadJobRowWriterOptions options)
    : client_(client),
      fallback_(fallback),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : RealClock::Get()) {}

std::string LoadJobRowWriter::JobIdFor(std::string_view prefix, const bigquery::TableRef& table,
                                       std::span<const EncodedRow> rows) {
  std::string input = absl::StrCat(FormatTableRef(table), "\n", rows.size(), "\n");
  for (const EncodedRow& row : rows) {
    const std::string_view key = row.insert_id.empty() ? row.json : row.insert_id;
    input.append(key).push_back('\n');
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  for (unsigned int i = 0; i < 16 && i < length; ++i) {
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 0xF]);
  }
  return id;
}

absl::Time LoadJobRowWriter::NextJobTimeLocked(const std::string& key) {
  std::deque<absl::Time>& started = started_[key];
  absl::Time now = clock_->Now();
  while (!started.empty() && started.front() + absl::Hours(24) <= now) started.pop_front();
  if (started.empty()) return absl::InfinitePast();
  absl::Time next = started.back() + options_.min_interval;
  if (static_cast<int>(started.size()) >= options_.max_jobs_per_day) {
    next = std::max(next, started.front() + absl::Hours(24));
  }
  return next;
}

absl::Time LoadJobRowWriter::NextJobTime(const bigquery::TableRef& table) {
  absl::MutexLock lock(&mu_);
  return NextJobTimeLocked(FormatTableRef(table));
}

absl::Status LoadJobRowWriter::TakeBudget(const bigquery::TableRef& table) {
  const std::string key = FormatTableRef(table);
  while (true) {
    absl::Duration wait;
    {
      absl::MutexLock lock(&mu_);
      absl::Time now = clock_->Now();
      absl::Time next = NextJobTimeLocked(key);
      if (next <= now) {
        started_[key].push_back(now);
        return absl::OkStatus();
      }
      if (static_cast<int>(started_[key].size()) >= options_.max_jobs_per_day) {
        return WithErrorCode(
            absl::ResourceExhaustedError(
                absl::StrCat("load job budget for ", key, " is spent: ", options_.max_jobs_per_day,
                             " jobs in the last 24 h; next at ", absl::FormatTime(next))),
            "quotaExceeded");
      }
      wait = next - now;
    }
    clock_->SleepFor(wait);
  }
}

absl::StatusOr<bigquery::Job> LoadJobRowWriter::AwaitDone(bigquery::Job job) {
  absl::Duration backoff = absl::Seconds(1);
  absl::Time deadline = clock_->Now() + options_.max_poll;
  while (job.state != "DONE") {
    if (clock_->Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("load job ", job.job_id, " still ", job.state, " after polling"));
    }
    clock_->SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(16));
    absl::StatusOr<bigquery::Job> polled =
        client_->GetJob(job.project_id, job.job_id, job.location);
    if (!polled.ok()) return polled.status();
    job = *std::move(polled);
  }
  return job;
}

absl::StatusOr<WriteResult> LoadJobRowWriter::Write(const bigquery::TableRef& table,
                                                    std::span<const EncodedRow> rows) {
  if (rows.empty()) return WriteResult{};
  const std::string name = FormatTableRef(table);
  std::string ndjson;
  for (const EncodedRow& row : rows) ndjson.append(row.json).push_back('\n');
  const std::string base_id = JobIdFor(options_.job_id_prefix, table, rows);

  bigquery::LoadJobRequest request;
  request.destination = table;
  request.location = options_.location;
  request.write_disposition = "WRITE_APPEND";
  request.create_disposition = "CREATE_NEVER";  // TableManager made it, with our partitioning
  for (int attempt = 0; attempt < options_.max_job_id_attempts; ++attempt) {
    request.job_id = attempt == 0 ? base_id : absl::StrCat(base_id, "_r", attempt);
    absl::StatusOr<bigquery::Job> job =
        client_->GetJob(table.project_id, request.job_id, options_.location);
    bool earlier = job.ok();  // an earlier attempt (maybe before a crash) ran it
    if (!earlier) {
      if (!absl::IsNotFound(job.status())) return WithContext(job.status(), name);
      if (absl::Status s = TakeBudget(table); !s.ok()) return s;
      job = client_->RunLoadJob(request, ndjson);
      if (absl::IsAlreadyExists(job.status())) {
        job = client_->GetJob(table.project_id, request.job_id, options_.location);
      }
    }
    if (job.ok()) job = AwaitDone(*std::move(job));
    if (!job.ok()) return WithContext(job.status(), absl::StrCat("load job into ", name));
    if (!job->error_result) return WriteResult{rows.size(), {}};
    // A failed job loaded nothing (loads are atomic) and its id is spent.
    const bigquery::JobError& error = *job->error_result;
    if (error.reason == "invalid" && fallback_ != nullptr) return fallback_->Write(table, rows);
    if (earlier) continue;  // an old failure: this batch gets a fresh, still deterministic id
    return WithErrorCode(absl::Status(CodeForJobReason(error.reason),
                                      absl::StrCat("load job ", request.job_id, " into ", name,
                                                   " failed: ", error.reason, ": ", error.message)),
                         error.reason);
  }
  return absl::AbortedError(absl::StrCat("load jobs for this batch of ", name, " failed ",
                                         options_.max_job_id_attempts, " times"));
}

}  // namespace opentrack::row_writer
