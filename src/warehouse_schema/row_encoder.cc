#include "warehouse_schema/row_encoder.h"

#include <charconv>
#include <cmath>

#include "common/json_text.h"
#include "warehouse_schema/internal/fast_text.h"
#include "warehouse_schema/internal/value_router.h"

namespace opentrack::warehouse_schema {
namespace {

void AppendQuotedInt(int64_t v, std::string* out) {
  out->push_back('"');
  AppendJsonInt(out, v);
  out->push_back('"');
}

// Text of a scalar for a STRING column: the original text where there is one.
void AppendAsString(const Row& row, const Cell& cell, std::string* out) {
  switch (cell.type) {
    case ColumnType::kString:
    case ColumnType::kTimestamp:
      internal::AppendJsonStringFast(out, row.Text(cell));
      return;
    case ColumnType::kInteger:
      AppendQuotedInt(cell.integer, out);
      return;
    case ColumnType::kBoolean:
      out->append(cell.boolean ? "\"true\"" : "\"false\"");
      return;
    case ColumnType::kFloat: {
      if (!std::isfinite(cell.floating)) {
        AppendJsonDouble(out, cell.floating);  // already the quoted "NaN"/"Infinity" form
        return;
      }
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof(buf), cell.floating);
      out->push_back('"');
      out->append(buf, r.ptr);
      out->push_back('"');
      return;
    }
  }
}

// True for "YYYY-MM-DDTHH:MM:SS.ffffffZ", which BigQuery takes as is.
bool IsCanonicalTimestamp(std::string_view s) {
  return s.size() == 27 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
         s[16] == ':' && s[19] == '.' && s[26] == 'Z';
}

void AppendValue(const Row& row, const Cell& cell, ColumnType column, std::string* out) {
  switch (column) {
    case ColumnType::kString:
      AppendAsString(row, cell, out);
      return;
    case ColumnType::kInteger:
      AppendQuotedInt(cell.type == ColumnType::kFloat ? static_cast<int64_t>(cell.floating)
                                                      : cell.integer,
                      out);
      return;
    case ColumnType::kFloat:
      if (cell.type == ColumnType::kInteger) {
        AppendJsonInt(out, cell.integer);
      } else {
        AppendJsonDouble(out, cell.floating);
      }
      return;
    case ColumnType::kBoolean:
      out->append(cell.boolean ? "true" : "false");
      return;
    case ColumnType::kTimestamp: {
      const std::string_view text = row.Text(cell);
      out->push_back('"');
      if (IsCanonicalTimestamp(text)) {
        out->append(text);
      } else {
        AppendTimestampMicrosText(cell.micros, out);
      }
      out->push_back('"');
      return;
    }
  }
}

void AppendKey(std::string_view name, std::string* out) {
  internal::AppendJsonStringFast(out, name);
  out->push_back(':');
}

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
  // Names and text, quotes and separators, and up to 28 bytes per number.
  out->reserve(out->size() + row.arena.size() + row.cells.size() * 32 + 2);
  out->push_back('{');
  bool first = true;
  for (const Cell& cell : row.cells) {
    const std::string_view name = row.Name(cell);
    std::optional<ColumnType> type = schema.Find(row, cell);
    std::string_view column = name;
    internal::Placement p;
    if (!type || !internal::Accepts(*type, cell)) {
      p = internal::RouteCell(row, cell, schema, &claims);
      if (p.kind != internal::Placement::kStore) continue;
      column = p.column.empty() ? name : std::string_view(p.column);
      type = p.column_type;
    }
    if (!first) out->push_back(',');
    first = false;
    AppendKey(column, out);
    AppendValue(row, cell, *type, out);
  }
  out->push_back('}');
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
    AppendKey(row.Name(cell), &out);
    out.append("{\"type\":\"");
    out.append(BigQueryTypeName(cell.type));
    out.append("\",\"value\":");
    switch (cell.type) {
      case ColumnType::kInteger:
        AppendJsonInt(&out, cell.integer);
        break;
      case ColumnType::kFloat:
        AppendJsonDouble(&out, cell.floating);
        break;
      default:
        AppendValue(row, cell, cell.type, &out);
        break;
    }
    out.push_back('}');
  }
  out.append("}}");
  return out;
}

}  // namespace opentrack::warehouse_schema
