// Writes one cell's value as insertAll JSON for a column of a given type.
// Shared by the row encoder and the mapper's direct encoding so both write
// byte-identical rows.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_VALUE_WRITER_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_VALUE_WRITER_H_

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/json_writer.h"
#include "common/time_format.h"
#include "warehouse_schema/types.h"

namespace opentrack::warehouse_schema {
// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (declared in row_encoder.h too).
void AppendTimestampMicrosText(int64_t micros, std::string* out);
}  // namespace opentrack::warehouse_schema

namespace opentrack::warehouse_schema::internal {

inline void QuotedInt(int64_t v, JsonWriter& w) {
  char* p = w.Reserve(24);  // '"', at most 20 characters, '"'
  *p++ = '"';
  p = std::to_chars(p, p + 20, v).ptr;
  *p++ = '"';
  w.Commit(p);
}

// True for "YYYY-MM-DDTHH:MM:SS.ffffffZ", which BigQuery takes as is.
inline bool IsCanonicalTimestamp(std::string_view s) {
  return s.size() == kUnixMicrosTimestampSize && s[4] == '-' && s[7] == '-' && s[10] == 'T' &&
         s[13] == ':' && s[16] == ':' && s[19] == '.' && s[26] == 'Z';
}

// A scalar for a STRING column: `text` (the original text) where there is one.
[[gnu::always_inline]] inline void WriteAsString(const Cell& cell, std::string_view text,
                                                 JsonWriter& w) {
  switch (cell.type) {
    case ColumnType::kString:
    case ColumnType::kTimestamp:
      w.String(text);
      return;
    case ColumnType::kInteger:
      QuotedInt(cell.integer, w);
      return;
    case ColumnType::kBoolean:
      w.Raw(cell.boolean ? "\"true\"" : "\"false\"");
      return;
    case ColumnType::kFloat:
      if (!std::isfinite(cell.floating)) {
        w.Double(cell.floating);  // already the quoted "NaN"/"Infinity" form
        return;
      }
      w.Char('"');
      w.Double(cell.floating);
      w.Char('"');
      return;
  }
}

// `cell` (whose text is `text`) for a column of type `column`, which must
// Accept it (value_router.h).
[[gnu::always_inline]] inline void WriteValue(const Cell& cell, std::string_view text,
                                              ColumnType column, JsonWriter& w) {
  switch (column) {
    case ColumnType::kString:
      WriteAsString(cell, text, w);
      return;
    case ColumnType::kInteger:
      QuotedInt(
          cell.type == ColumnType::kFloat ? static_cast<int64_t>(cell.floating) : cell.integer, w);
      return;
    case ColumnType::kFloat:
      if (cell.type == ColumnType::kInteger) {
        w.Int(cell.integer);
      } else {
        w.Double(cell.floating);
      }
      return;
    case ColumnType::kBoolean:
      w.Raw(cell.boolean ? "true" : "false");
      return;
    case ColumnType::kTimestamp: {
      // Quotes and text in one reservation; the text as it is when canonical.
      char* p = w.Reserve(kUnixMicrosTimestampSize + 2);
      *p = '"';
      if (IsCanonicalTimestamp(text)) {
        std::memcpy(p + 1, text.data(), kUnixMicrosTimestampSize);
      } else {
        WriteUnixMicrosTimestamp(cell.micros, p + 1);
      }
      p[kUnixMicrosTimestampSize + 1] = '"';
      w.Commit(p + kUnixMicrosTimestampSize + 2);
      return;
    }
  }
}

}  // namespace opentrack::warehouse_schema::internal

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_VALUE_WRITER_H_
