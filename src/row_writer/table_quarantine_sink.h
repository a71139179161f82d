// QuarantineSink that keeps rejected rows queryable in BigQuery itself: a
// `_opentrack_rejected` table in the same dataset as the table they were for.
#ifndef OPENTRACK_ROW_WRITER_TABLE_QUARANTINE_SINK_H_
#define OPENTRACK_ROW_WRITER_TABLE_QUARANTINE_SINK_H_

#include <string>
#include <vector>

#include "bigquery/bigquery_client.h"
#include "common/clock.h"
#include "row_writer/quarantine_sink.h"
#include "row_writer/streaming_row_writer.h"
#include "table_manager/table_manager.h"

namespace opentrack::row_writer {

inline constexpr char kRejectedTableId[] = "_opentrack_rejected";
// row_json longer than this is cut (at a UTF-8 boundary) so a row refused for
// its size can still be recorded.
inline constexpr size_t kMaxStoredRowJsonBytes = 1024 * 1024;

// id, table_name, reason, error_location, error_message, row_json (STRING),
// received_at, quarantined_at (TIMESTAMP); all NULLABLE.
std::vector<bigquery::Field> RejectedTableSchema();

// Thread-safe. Collaborators are not owned. Inserts through its own
// StreamingRowWriter that has no sink, so a rejected row is never quarantined
// again: any failure is returned and the caller keeps the events.
class TableQuarantineSink final : public QuarantineSink {
 public:
  TableQuarantineSink(bigquery::BigQueryClient* client, table_manager::TableManager* tables,
                      StreamingRowWriterOptions options = {});

  absl::Status Quarantine(const bigquery::TableRef& source,
                          std::span<const QuarantinedRow> rows) override;

 private:
  table_manager::TableManager* const tables_;
  Clock* const clock_;
  StreamingRowWriter writer_;
};

}  // namespace opentrack::row_writer

#endif  // OPENTRACK_ROW_WRITER_TABLE_QUARANTINE_SINK_H_
