// Delivery of already-encoded rows to one BigQuery table. Implementations:
// StreamingRowWriter (tabledata.insertAll) and LoadJobRowWriter (free load
// jobs). See docs/table-management.md.
#ifndef OPENTRACK_ROW_WRITER_ROW_WRITER_H_
#define OPENTRACK_ROW_WRITER_ROW_WRITER_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "bigquery/types.h"

namespace opentrack::row_writer {

// A row to write, viewed where its caller keeps it (the loader's per-table
// buffers): valid for the Write call only.
struct EncodedRow {
  std::string_view insert_id;  // stable per event (from messageId) so resends dedupe
  std::string_view json;       // the row object, encoded for the table's column types
};

struct WriteResult {
  size_t written = 0;
  // Rows BigQuery will never accept, as (index into the input, reason). The
  // writer has already handed them to its QuarantineSink, if it has one.
  // Reason: "<reason> at <location>: <message>" ("invalid at total: Cannot
  // convert value to floating point (bad value): abc").
  std::vector<std::pair<size_t, std::string>> quarantined;
};

// A non-OK Status means the batch is not (entirely) stored: keep it in the
// spool and retry later with the same insert ids. Thread-safe.
class RowWriter {
 public:
  virtual ~RowWriter() = default;
  virtual absl::StatusOr<WriteResult> Write(const bigquery::TableRef& table,
                                            std::span<const EncodedRow> rows) = 0;
};

}  // namespace opentrack::row_writer

#endif  // OPENTRACK_ROW_WRITER_ROW_WRITER_H_
