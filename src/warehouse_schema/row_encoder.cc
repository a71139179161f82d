#include "warehouse_schema/row_encoder.h"

#include <charconv>
#include <cmath>

#include "common/json_text.h"
#include "common/json_writer.h"
#include "warehouse_schema/internal/value_router.h"
#include "warehouse_schema/internal/value_writer.h"

namespace opentrack::warehouse_schema {
namespace {

using internal::WriteValue;

}  // namespace

void AppendTimestampMicrosText(int64_t micros, std::string* out) {
  // Days-from-civil inverted (proleptic Gregorian), as in common calendar texts.
  int64_t days = micros >= 0 ? micros / 86400000000 : -((-micros + 86399999999) / 86400000000);
  int64_t rem = micros - days * 86400000000;
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const int64_t frac = rem % 1000000;
  rem /= 1000000;
  char buf[27];
  auto put = [&buf](int pos, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[pos + i] = static_cast<char>('0' + v % 10);
  };
  put(0, year, 4);
  buf[4] = '-';
  put(5, month, 2);
  buf[7] = '-';
  put(8, day, 2);
  buf[10] = 'T';
  put(11, rem / 3600, 2);
  buf[13] = ':';
  put(14, rem / 60 % 60, 2);
  buf[16] = ':';
  put(17, rem % 60, 2);
  buf[19] = '.';
  put(20, frac, 6);
  buf[26] = 'Z';
  out->append(buf, sizeof(buf));
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
