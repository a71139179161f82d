#include "warehouse_schema/row_encoder.h"

#include <charconv>
#include <cmath>

#include "common/json_text.h"
#include "common/json_writer.h"
#include "common/time_format.h"
#include "warehouse_schema/internal/value_router.h"
#include "warehouse_schema/internal/value_writer.h"

namespace opentrack::warehouse_schema {
namespace {

using internal::WriteValue;

}  // namespace

void AppendTimestampMicrosText(int64_t micros, std::string* out) {
  AppendUnixMicrosTimestamp(out, micros);
}

void AppendEncodedRow(const Row& row, const SchemaIndex& schema, std::string* out) {
  std::vector<std::string> claims;
  // About the output size (names and text, quotes, separators, short
  // numbers): the writer zero-fills what it reserves, so do not overshoot.
  JsonWriter w(out, row.arena.size() + row.cells.size() * 12 + 64);
  w.Char('{');
  bool first = true;
  for (const Cell& cell : row.cells) {
    const SchemaIndex::Entry* entry = schema.Lookup(row, cell);
    if (entry != nullptr && internal::Accepts(entry->type, cell)) {  // the common case
      // key is ',"name":' then padding, so the first cell skips the comma.
      w.RawPadded(entry->key.data() + (first ? 1 : 0), entry->key_size - (first ? 1 : 0));
      first = false;
      WriteValue(cell, row.Text(cell), entry->type, w);
      continue;
    }
    const internal::Placement p = internal::RouteCell(row, cell, schema, &claims);
    if (p.kind != internal::Placement::kStore) continue;
    if (!first) w.Char(',');
    first = false;
    w.String(p.column.empty() ? row.Name(cell) : std::string_view(p.column));
    w.Char(':');
    WriteValue(cell, row.Text(cell), p.column_type, w);
  }
  w.Char('}');
}

std::string EncodeRow(const Row& row, const TableSchema& schema) {
  std::string out;
  AppendEncodedRow(row, SchemaIndex(schema), &out);
  return out;
}

std::string RowToDebugJson(const Row& row) {
  std::string out = "{\"table\":";
  AppendJsonString(&out, row.table);
  out.append(",\"insert_id\":");
  AppendJsonString(&out, row.insert_id);
  out.append(",\"columns\":{");
  bool first = true;
  for (const Cell& cell : row.cells) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(&out, row.Name(cell));
    out.append(":{\"type\":\"");
    out.append(BigQueryTypeName(cell.type));
    out.append("\",\"value\":");
    {
      JsonWriter w(&out);
      if (cell.type == ColumnType::kInteger) {
        w.Int(cell.integer);
      } else {
        WriteValue(cell, row.Text(cell), cell.type, w);
      }
    }
    out.push_back('}');
  }
  out.append("}}");
  return out;
}

}  // namespace opentrack::warehouse_schema
