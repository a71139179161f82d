#include "loader/batch_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "warehouse_schema/encoded_rows.h"
#include "warehouse_schema/row_encoder.h"
#include "warehouse_schema/schema_index.h"
#include "warehouse_schema/schema_planner.h"

namespace opentrack::loader {
namespace {

namespace ws = warehouse_schema;

// Another collector instance can add a planned column with another type
// between our read and our patch; each round re-plans against what it saw.
constexpr int kMaxPlanRounds = 3;

// True when every planned column is in `schema` with the planned type.
bool HasPlannedColumns(const ws::TableSchema& schema, const std::vector<ws::Column>& planned) {
  ws::SchemaIndex index(schema);
  for (const ws::Column& c : planned) {
    std::optional<ws::ColumnType> type = index.Find(c.name);
    if (!type.has_value() || *type != c.type) return false;
  }
  return true;
}

// A row the table cannot take, in its typed debug form: it has no encoding
// under the table's schema.
row_writer::QuarantinedRow MakeQuarantined(const ws::Row& row, std::string reason,
                                           std::string message) {
  row_writer::QuarantinedRow q;
  q.insert_id = row.insert_id;
  q.row_json = ws::RowToDebugJson(row);
  q.reason = std::move(reason);
  q.message = std::move(message);
  q.received_at = row.received_at;
  return q;
}

}  // namespace

bool IsPermanentWriteError(const absl::Status& status) {
  return absl::IsFailedPrecondition(status) || absl::IsInvalidArgument(status);
}

void AppendRowViews(const ws::EncodedRows& rows, size_t n,
                    std::vector<row_writer::EncodedRow>* out) {
  for (size_t i = 0; i < n; ++i) out->push_back({rows.insert_id(i), rows.json(i)});
}

ws::TableSchema ToTableSchema(std::span<const bigquery::Field> fields) {
  ws::TableSchema schema;
  schema.reserve(fields.size());
  for (const bigquery::Field& f : fields) {
    schema.push_back(
        {f.name, ws::ColumnTypeFromBigQuery(f.type).value_or(ws::ColumnType::kString)});
  }
  return schema;
}

std::vector<bigquery::Field> ToFields(std::span<const ws::Column> columns) {
  std::vector<bigquery::Field> fields;
  fields.reserve(columns.size());
  for (const ws::Column& c : columns) {
    bigquery::Field f;
    f.name = c.name;
    f.type = std::string(ws::BigQueryTypeName(c.type));
    fields.push_back(std::move(f));
  }
  return fields;
}

BatchWriter::BatchWriter(table_manager::TableManager* tables, row_writer::RowWriter* writer,
                         row_writer::QuarantineSink* quarantine)
    : tables_(tables), writer_(writer), quarantine_(quarantine) {}

absl::StatusOr<ws::TableSchema> BatchWriter::PrepareSchema(const bigquery::TableRef& ref,
                                                           std::span<const ws::Row> rows,
                                                           ws::SchemaPlan* plan,
                                                           size_t* columns_added) {
  ws::TableSchema current;
  absl::StatusOr<bigquery::Table> table = tables_->GetTable(ref);
  if (table.ok()) {
    current = ToTableSchema(table->schema);
  } else if (!absl::IsNotFound(table.status())) {
    return table.status();
  }
  for (int round = 0; round < kMaxPlanRounds; ++round) {
    *plan = ws::PlanSchema(current, rows);
    if (plan->new_columns.empty()) return current;
    table = tables_->EnsureTable(ref, ToFields(plan->new_columns));
    if (!table.ok()) return table.status();
    ws::TableSchema updated = ToTableSchema(table->schema);
    if (HasPlannedColumns(updated, plan->new_columns)) {
      *columns_added += plan->new_columns.size();
      return updated;
    }
    current = std::move(updated);  // someone else's types won: plan again
  }
  return absl::AbortedError(absl::StrCat("schema of ", ref.dataset_id, ".", ref.table_id,
                                         " kept changing while adding columns"));
}

absl::StatusOr<DeliveryResult> BatchWriter::Write(const bigquery::TableRef& ref,
                                                  std::span<const ws::Row> rows,
                                                  std::span<const row_writer::EncodedRow> encoded) {
  DeliveryResult result;
  ws::SchemaPlan plan;
  absl::StatusOr<ws::TableSchema> schema = PrepareSchema(ref, rows, &plan, &result.columns_added);

  std::vector<row_writer::QuarantinedRow> rejected;
  if (!schema.ok()) {
    if (!IsPermanentWriteError(schema.status())) return schema.status();
    // The table cannot take these rows as they are (manual mode, or a schema
    // BigQuery refuses): keep them whole in the quarantine table.
    const std::string message(schema.status().message());
    for (const ws::Row& row : rows)
      rejected.push_back(MakeQuarantined(row, kTableRefused, message));
    for (const row_writer::EncodedRow& row : encoded) {
      rejected.push_back({std::string(row.insert_id), std::string(row.json), kTableRefused, "",
                          message, std::nullopt});
    }
  } else {
    auto index = std::make_shared<ws::SchemaIndex>(*schema);
    ws::EncodedRows planned;  // what `out` views
    std::string json;
    size_t next_quarantined = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (next_quarantined < plan.quarantined_rows.size() &&
          plan.quarantined_rows[next_quarantined] == i) {
        rejected.push_back(
            MakeQuarantined(rows[i], kTypeConflict, plan.quarantine_reasons[next_quarantined]));
        ++next_quarantined;
        continue;
      }
      json.clear();
      ws::AppendEncodedRow(rows[i], *index, &json);
      planned.Add(rows[i].insert_id, rows[i].received_at, json);
    }
    // The steady state is a batch of encoded rows only: no copy then.
    std::span<const row_writer::EncodedRow> all = encoded;
    std::vector<row_writer::EncodedRow> out;
    if (!planned.empty()) {
      out.reserve(planned.size() + encoded.size());
      AppendRowViews(planned, planned.size(), &out);
      out.insert(out.end(), encoded.begin(), encoded.end());
      all = out;
    }
    if (!all.empty()) {
      absl::StatusOr<row_writer::WriteResult> written = writer_->Write(ref, all);
      if (!written.ok()) {
        // The cached schema may be what is wrong (a column dropped by hand).
        tables_->Invalidate(ref);
        return written.status();
      }
      result.written = written->written;
      result.quarantined += written->quarantined.size();
    }
    result.schema = std::move(index);
  }
  if (!rejected.empty()) {
    absl::Status s = quarantine_->Quarantine(ref, rejected);
    if (!s.ok()) return WithContext(s, "quarantining rows");
    result.quarantined += rejected.size();
  }
  return result;
}

absl::Status BatchWriter::Reject(const bigquery::TableRef& dataset,
                                 std::span<const RejectedEvent> events) {
  std::vector<row_writer::QuarantinedRow> rows;
  rows.reserve(events.size());
  for (const RejectedEvent& e : events) {
    row_writer::QuarantinedRow q;
    q.insert_id = e.id;
    q.row_json = e.json;
    q.reason = kInvalidEvent;
    q.message = e.reason;
    rows.push_back(std::move(q));
  }
  return quarantine_->Quarantine(dataset, rows);
}

}  // namespace opentrack::loader
