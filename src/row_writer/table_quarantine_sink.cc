#include "row_writer/table_quarantine_sink.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/json_text.h"
#include "common/time_format.h"
#include "simdjson.h"
#include "table_manager/schema_merge.h"

namespace opentrack::row_writer {
namespace {

// insertId is limited to 128 characters.
constexpr size_t kMaxInsertIdBytes = 128;

std::string_view CutUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

std::optional<absl::Time> ReceivedAtOf(const QuarantinedRow& row) {
  if (row.received_at) return row.received_at;
  if (row.row_json.size() > kMaxStoredRowJsonBytes) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view text;
  if (parser.parse(row.row_json).get(doc) != simdjson::SUCCESS ||
      doc["received_at"].get_string().get(text) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return ParseTimestamp(text);
}

void AppendField(std::string* out, std::string_view name, std::string_view value) {
  if (out->size() > 1) out->push_back(',');
  AppendJsonString(out, name);
  out->push_back(':');
  AppendJsonString(out, value);
}

}  // namespace

std::vector<bigquery::Field> RejectedTableSchema() {
  return {{"id", "STRING"},
          {"table_name", "STRING"},
          {"reason", "STRING"},
          {"error_location", "STRING"},
          {"error_message", "STRING"},
          {"row_json", "STRING"},
          {"received_at", "TIMESTAMP"},
          {"quarantined_at", "TIMESTAMP"}};
}

TableQuarantineSink::TableQuarantineSink(bigquery::BigQueryClient* client,
                                         table_manager::TableManager* tables,
                                         StreamingRowWriterOptions options)
    : tables_(tables),
      clock_(options.clock != nullptr ? options.clock : RealClock::Get()),
      writer_(client, tables, /*sink=*/nullptr, options) {}

absl::Status TableQuarantineSink::Quarantine(const bigquery::TableRef& source,
                                             std::span<const QuarantinedRow> rows) {
  if (rows.empty()) return absl::OkStatus();
  if (source.table_id == kRejectedTableId) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to quarantine rows of ", table_manager::FormatTableRef(source), " into itself"));
  }
  bigquery::TableRef rejected{source.project_id, source.dataset_id, kRejectedTableId};
  std::vector<bigquery::Field> schema = RejectedTableSchema();
  if (absl::StatusOr<bigquery::Table> t = tables_->EnsureTable(rejected, schema); !t.ok()) {
    return t.status();
  }
  std::string now = FormatTimestampMicros(clock_->Now());
  std::vector<std::string> ids, jsons;  // what `encoded` views
  ids.reserve(rows.size());
  jsons.reserve(rows.size());
  for (const QuarantinedRow& row : rows) {
    std::string json = "{";
    AppendField(&json, "id", row.insert_id);
    AppendField(&json, "table_name", source.table_id);
    AppendField(&json, "reason", row.reason);
    AppendField(&json, "error_location", row.location);
    AppendField(&json, "error_message", row.message);
    AppendField(&json, "row_json", CutUtf8(row.row_json, kMaxStoredRowJsonBytes));
    if (std::optional<absl::Time> received = ReceivedAtOf(row)) {
      AppendField(&json, "received_at", FormatTimestampMicros(*received));
    }
    AppendField(&json, "quarantined_at", now);
    json.push_back('}');
    // One event can be refused by two tables (tracks and its event table)
    // under the same insert id; keep both.
    std::string id = absl::StrCat(source.table_id, "/", row.insert_id);
    if (row.insert_id.empty() || source.table_id.empty() || id.size() > kMaxInsertIdBytes) {
      id = row.insert_id;
    }
    ids.push_back(std::move(id));
    jsons.push_back(std::move(json));
  }
  std::vector<EncodedRow> encoded;
  encoded.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) encoded.push_back({ids[i], jsons[i]});
  absl::StatusOr<WriteResult> written = writer_.Write(rejected, encoded);
  if (!written.ok()) return written.status();
  if (!written->quarantined.empty()) {
    return absl::InternalError(absl::StrCat(
        table_manager::FormatTableRef(rejected), " refused ", written->quarantined.size(),
        " rejected rows; first: ", written->quarantined[0].second));
  }
  return absl::OkStatus();
}

}  // namespace opentrack::row_writer
