// Delivers one batch of rows for one table: plans the schema against the
// table's current columns, has the table manager add what is missing, encodes
// the rows and writes them; rows that cannot be stored go to the quarantine
// table instead. Everything the loader does between "rows" and "delivered".
#ifndef OPENTRACK_LOADER_BATCH_WRITER_H_
#define OPENTRACK_LOADER_BATCH_WRITER_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bigquery/types.h"
#include "row_writer/quarantine_sink.h"
#include "row_writer/row_writer.h"
#include "table_manager/table_manager.h"
#include "warehouse_schema/encoded_rows.h"
#include "warehouse_schema/schema_index.h"
#include "warehouse_schema/schema_planner.h"
#include "warehouse_schema/types.h"

namespace opentrack::loader {

// Quarantine reasons the loader gives: a value no column can hold (the
// planner's message says which), a table that refuses the rows' columns
// (manual table management), and an event that is not a valid event.
inline constexpr char kTypeConflict[] = "type_conflict";
inline constexpr char kTableRefused[] = "table_refused";
inline constexpr char kInvalidEvent[] = "invalid_event";

struct DeliveryResult {
  size_t written = 0;
  size_t quarantined = 0;
  size_t columns_added = 0;
  // The table's schema the rows met (with the columns this write added), for
  // encoding later events directly (EventMapper::MapEncoded). Null when the
  // table refused the rows.
  std::shared_ptr<const warehouse_schema::SchemaIndex> schema;
};

// An event that could not become rows, kept in the quarantine table.
struct RejectedEvent {
  std::string id;  // messageId when it could be read, else empty
  std::string json;
  std::string reason;
};

// BigQuery errors after which retrying the same rows cannot succeed: the rows
// are quarantined instead (FailedPrecondition is manual table management
// refusing to add columns; InvalidArgument a schema BigQuery rejects).
bool IsPermanentWriteError(const absl::Status& status);

// Appends views of the first `n` of `rows` to `out`, as RowWriter takes them.
void AppendRowViews(const warehouse_schema::EncodedRows& rows, size_t n,
                    std::vector<row_writer::EncodedRow>* out);

// Converts a table's BigQuery columns for the planner. Columns of types the
// warehouse never writes (RECORD, NUMERIC, DATE, ...) are kept as STRING so
// their names stay taken.
warehouse_schema::TableSchema ToTableSchema(std::span<const bigquery::Field> fields);
std::vector<bigquery::Field> ToFields(std::span<const warehouse_schema::Column> columns);

// Not thread-safe (the loader's consumer thread owns it). Pointers are not
// owned and must outlive it.
class BatchWriter {
 public:
  BatchWriter(table_manager::TableManager* tables, row_writer::RowWriter* writer,
              row_writer::QuarantineSink* quarantine);

  // OK: every row is written or quarantined. An error: nothing can be
  // assumed delivered; the caller retries the same rows later (insert ids make
  // the resend safe). `encoded` rows were encoded against an earlier
  // DeliveryResult::schema of this table and go out with `rows`: columns are
  // only ever added, so that encoding stays valid.
  absl::StatusOr<DeliveryResult> Write(const bigquery::TableRef& ref,
                                       std::span<const warehouse_schema::Row> rows,
                                       std::span<const row_writer::EncodedRow> encoded = {});

  // Stores events that produced no rows in the quarantine table of
  // `dataset` (its table_id is left empty: the events have no table).
  absl::Status Reject(const bigquery::TableRef& dataset, std::span<const RejectedEvent> events);

 private:
  // The schema `rows` will be encoded with, after adding the plan's columns.
  absl::StatusOr<warehouse_schema::TableSchema> PrepareSchema(
      const bigquery::TableRef& ref, std::span<const warehouse_schema::Row> rows,
      warehouse_schema::SchemaPlan* plan, size_t* columns_added);

  table_manager::TableManager* const tables_;
  row_writer::RowWriter* const writer_;
  row_writer::QuarantineSink* const quarantine_;
};

}  // namespace opentrack::loader

#endif  // OPENTRACK_LOADER_BATCH_WRITER_H_
