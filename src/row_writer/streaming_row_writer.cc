#include "row_writer/streaming_row_writer.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "table_manager/schema_merge.h"

namespace opentrack::row_writer {
namespace {

using bigquery::RowError;
using table_manager::FormatTableRef;

// The JSON around the rows of an insertAll body, and around each row.
constexpr size_t kEnvelopeBytes = 112;
constexpr size_t kPerRowBytes = 24;

// BigQuery answers 400 "Request payload size exceeds the limit"; Google's
// front end may answer 413 with an HTML page (bigquery/error_mapping.cc keeps
// "HTTP 413" in the message).
bool IsPayloadTooLarge(const absl::Status& s) {
  if (absl::IsOutOfRange(s)) return true;
  return absl::IsInvalidArgument(s) &&
         (absl::StrContains(s.message(), "Request payload size exceeds the limit") ||
          absl::StrContains(s.message(), "HTTP 413"));
}

bool IsNoSuchField(const RowError& e) { return absl::StartsWith(e.message, "no such field"); }

}  // namespace

struct StreamingRowWriter::Batch {
  const bigquery::TableRef& table;
  std::span<const EncodedRow> rows;
  WriteResult result;
  std::vector<QuarantinedRow> quarantined;
};

StreamingRowWriter::StreamingRowWriter(bigquery::BigQueryClient* client,
                                       table_manager::TableManager* tables, QuarantineSink* sink,
                                       StreamingRowWriterOptions options)
    : client_(client),
      tables_(tables),
      sink_(sink),
      options_(options),
      clock_(options.clock != nullptr ? options.clock : RealClock::Get()) {}

size_t StreamingRowWriter::RequestBytes(const EncodedRow& row) {
  return row.insert_id.size() + row.json.size() + kPerRowBytes;
}

absl::StatusOr<WriteResult> StreamingRowWriter::Write(const bigquery::TableRef& table,
                                                      std::span<const EncodedRow> rows) {
  Batch batch{table, rows, {}, {}};
  // Cut the rows into requests of at most max_rows_per_request and
  // max_request_bytes; a row too large for any request is quarantined unsent.
  std::vector<std::vector<size_t>> requests(1);
  size_t bytes = kEnvelopeBytes;
  for (size_t i = 0; i < rows.size(); ++i) {
    size_t row_bytes = RequestBytes(rows[i]);
    if (rows[i].json.size() > options_.max_row_bytes) {
      Quarantine(batch, i, "invalid", "",
                 absl::StrCat("Maximum allowed row size exceeded. Allowed: ",
                              options_.max_row_bytes, " Row size: ", rows[i].json.size()));
      continue;
    }
    if (!requests.back().empty() && (requests.back().size() >= options_.max_rows_per_request ||
                                     bytes + row_bytes > options_.max_request_bytes)) {
      requests.emplace_back();
      bytes = kEnvelopeBytes;
    }
    requests.back().push_back(i);
    bytes += row_bytes;
  }
  for (std::vector<size_t>& request : requests) {
    if (request.empty()) continue;
    if (absl::Status s = Deliver(batch, std::move(request)); !s.ok()) return s;
  }
  if (!batch.quarantined.empty() && sink_ != nullptr) {
    absl::Status s = sink_->Quarantine(table, batch.quarantined);
    if (!s.ok()) {
      return WithContext(s, absl::StrCat("quarantining ", batch.quarantined.size(), " rows of ",
                                         FormatTableRef(table)));
    }
  }
  return std::move(batch.result);
}

bool StreamingRowWriter::InChangeWindow(const bigquery::TableRef& table) {
  if (tables_ == nullptr) return false;
  return clock_->Now() - tables_->LastChange(table) <= options_.visibility_window;
}

void StreamingRowWriter::Quarantine(Batch& batch, size_t index, std::string reason,
                                    std::string location, std::string message) {
  std::string summary = location.empty() ? absl::StrCat(reason, ": ", message)
                                         : absl::StrCat(reason, " at ", location, ": ", message);
  batch.result.quarantined.emplace_back(index, std::move(summary));
  const EncodedRow& row = batch.rows[index];
  batch.quarantined.push_back({std::string(row.insert_id),
                               std::string(row.json),
                               std::move(reason),
                               std::move(location),
                               std::move(message),
                               {}});
}

// Sends `indexes` until each row is stored or quarantined. With
// skipInvalidRows=false a request is all-or-nothing, so whatever comes back
// with errors was not stored and can be resent as is.
absl::Status StreamingRowWriter::Deliver(Batch& batch, std::vector<size_t> indexes) {
  const std::string name = FormatTableRef(batch.table);
  absl::Duration backoff = options_.initial_backoff;
  auto wait = [&] {
    clock_->SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  };
  int stopped_rounds = 0;
  while (!indexes.empty()) {
    std::vector<bigquery::InsertRow> request;
    request.reserve(indexes.size());
    for (size_t i : indexes) {
      request.push_back({std::string(batch.rows[i].insert_id), std::string(batch.rows[i].json)});
    }
    absl::StatusOr<bigquery::InsertResult> sent =
        client_->InsertAll(batch.table, request, bigquery::InsertOptions{});
    if (!sent.ok()) {
      if (IsPayloadTooLarge(sent.status())) {
        if (indexes.size() == 1) {
          Quarantine(batch, indexes[0], "invalid", "", std::string(sent.status().message()));
          return absl::OkStatus();
        }
        std::vector<size_t> second(indexes.begin() + indexes.size() / 2, indexes.end());
        indexes.resize(indexes.size() / 2);
        if (absl::Status s = Deliver(batch, std::move(indexes)); !s.ok()) return s;
        return Deliver(batch, std::move(second));
      }
      if (absl::IsNotFound(sent.status())) {
        if (InChangeWindow(batch.table)) {
          wait();  // a new table is not visible to streaming yet
          continue;
        }
        if (tables_ != nullptr) tables_->Invalidate(batch.table);
      }
      return WithContext(sent.status(), absl::StrCat("insertAll into ", name));
    }
    std::map<size_t, std::vector<const RowError*>> errors;  // by position in `indexes`
    for (const RowError& e : sent->row_errors) {
      if (e.index < indexes.size()) errors[e.index].push_back(&e);
    }
    std::vector<size_t> resend;
    const RowError* lagging = nullptr;
    bool quarantined = false;
    for (size_t pos = 0; pos < indexes.size(); ++pos) {
      auto it = errors.find(pos);
      if (it == errors.end()) {
        ++batch.result.written;  // not listed: stored
        continue;
      }
      const RowError* bad = nullptr;
      for (const RowError* e : it->second) {
        if (e->reason != "stopped" && (bad == nullptr || IsNoSuchField(*e))) bad = e;
      }
      if (bad == nullptr) {
        resend.push_back(indexes[pos]);
      } else if (IsNoSuchField(*bad)) {
        lagging = bad;
        resend.push_back(indexes[pos]);
      } else if (bad->reason == "invalid") {
        Quarantine(batch, indexes[pos], bad->reason, bad->location, bad->message);
        quarantined = true;
      } else {
        return WithErrorCode(
            absl::UnavailableError(absl::StrCat("insertAll into ", name, ": row error ",
                                                bad->reason, ": ", bad->message)),
            bad->reason);
      }
    }
    if (lagging != nullptr) {
      if (!InChangeWindow(batch.table)) {
        // Our cached schema may be wrong (a column dropped?): re-read next time.
        if (tables_ != nullptr) tables_->Invalidate(batch.table);
        return WithErrorCode(
            absl::FailedPreconditionError(absl::StrCat(
                "insertAll into ", name, ": ", lagging->message,
                " (outside the window after the last schema change; cache invalidated)")),
            "noSuchField");
      }
      wait();  // new columns are not visible to streaming yet
    } else if (!quarantined && ++stopped_rounds > options_.max_stopped_rounds) {
      return absl::InternalError(absl::StrCat("insertAll into ", name,
                                              ": rows keep coming back `stopped` without a "
                                              "failing row"));
    }
    indexes = std::move(resend);
  }
  return absl::OkStatus();
}

}  // namespace opentrack::row_writer
