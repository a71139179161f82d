// Where rows that BigQuery will never accept go, so none is lost silently.
#ifndef OPENTRACK_ROW_WRITER_QUARANTINE_SINK_H_
#define OPENTRACK_ROW_WRITER_QUARANTINE_SINK_H_

#include <optional>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bigquery/types.h"

namespace opentrack::row_writer {

struct QuarantinedRow {
  std::string insert_id;
  std::string row_json;  // the encoded row (or the event), as it was refused
  std::string reason;    // BigQuery's ("invalid") or ours ("row_too_large", ...)
  std::string location;  // column path BigQuery blamed, if any
  std::string message;
  // Unset: taken from the row's "received_at" when it has one.
  std::optional<absl::Time> received_at;
};

// Thread-safe. A non-OK Status means the rows are NOT stored anywhere: the
// caller must keep the events (in the spool) and retry.
class QuarantineSink {
 public:
  virtual ~QuarantineSink() = default;
  // `source` is the table the rows were meant for; its table_id may be empty
  // for events that never reached a table (only the dataset is known).
  virtual absl::Status Quarantine(const bigquery::TableRef& source,
                                  std::span<const QuarantinedRow> rows) = 0;
};

}  // namespace opentrack::row_writer

#endif  // OPENTRACK_ROW_WRITER_QUARANTINE_SINK_H_
