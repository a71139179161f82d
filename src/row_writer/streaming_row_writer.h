// RowWriter over tabledata.insertAll: request splitting, `stopped` resends,
// quarantine of invalid rows, and patience while streaming catches up with a
// schema change (spec 3.5).
#ifndef OPENTRACK_ROW_WRITER_STREAMING_ROW_WRITER_H_
#define OPENTRACK_ROW_WRITER_STREAMING_ROW_WRITER_H_

#include <cstddef>
#include <vector>

#include "absl/time/time.h"
#include "bigquery/bigquery_client.h"
#include "common/clock.h"
#include "row_writer/quarantine_sink.h"
#include "row_writer/row_writer.h"
#include "table_manager/table_manager.h"

namespace opentrack::row_writer {

struct StreamingRowWriterOptions {
  size_t max_rows_per_request = 500;           // Google's recommendation
  size_t max_request_bytes = 9 * 1024 * 1024;  // under the 10 MiB request limit
  size_t max_row_bytes = 10 * 1024 * 1024;     // larger rows are quarantined unsent
  // How long after a table change (TableManager::LastChange) `notFound` and
  // `no such field` count as "streaming has not caught up yet".
  absl::Duration visibility_window = absl::Minutes(2);
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(16);
  // Rounds in which a request comes back with only `stopped` rows before
  // giving up (BigQuery should always name the bad row).
  int max_stopped_rounds = 3;
  Clock* clock = nullptr;  // null: RealClock::Get()
};

// Thread-safe if its collaborators are. None is owned; `tables` and `sink`
// may be null (no change window; quarantined rows only reported).
class StreamingRowWriter final : public RowWriter {
 public:
  StreamingRowWriter(bigquery::BigQueryClient* client, table_manager::TableManager* tables,
                     QuarantineSink* sink, StreamingRowWriterOptions options = {});

  absl::StatusOr<WriteResult> Write(const bigquery::TableRef& table,
                                    std::span<const EncodedRow> rows) override;

  // Bytes a row adds to an insertAll request body.
  static size_t RequestBytes(const EncodedRow& row);

 private:
  struct Batch;  // one Write call's progress
  absl::Status Deliver(Batch& batch, std::vector<size_t> indexes);
  bool InChangeWindow(const bigquery::TableRef& table);
  void Quarantine(Batch& batch, size_t index, std::string reason, std::string location,
                  std::string message);

  bigquery::BigQueryClient* const client_;
  table_manager::TableManager* const tables_;
  QuarantineSink* const sink_;
  const StreamingRowWriterOptions options_;
  Clock* const clock_;
};

}  // namespace opentrack::row_writer

#endif  // OPENTRACK_ROW_WRITER_STREAMING_ROW_WRITER_H_
