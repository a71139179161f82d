// Value types shared by the mapper, the schema planner and the row encoder:
// BigQuery column types, table schemas, and rows of typed cells.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_TYPES_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace opentrack::warehouse_schema {

enum class ColumnType : uint8_t { kString, kInteger, kFloat, kBoolean, kTimestamp };

// "STRING", "INTEGER", "FLOAT", "BOOLEAN", "TIMESTAMP".
std::string_view BigQueryTypeName(ColumnType type);
// Accepts the legacy names above and the standard SQL aliases (STRING, INT64,
// FLOAT64, BOOL, TIMESTAMP), case-insensitively.
std::optional<ColumnType> ColumnTypeFromBigQuery(std::string_view name);
// Lowercase suffix of sibling columns: "string", "integer", "float", ...
std::string_view TypeSuffix(ColumnType type);

struct Column {
  std::string name;
  ColumnType type;
  friend bool operator==(const Column&, const Column&) = default;
};

// A table's current columns, in order.
using TableSchema = std::vector<Column>;

// One typed value. Text lives in the owning Row's arena (offsets, not
// pointers, so rows can be copied and moved freely).
struct Cell {
  uint32_t name_offset = 0;
  uint32_t name_size = 0;
  // kString: the value. kTimestamp: the original text. Others: unused.
  uint32_t text_offset = 0;
  uint32_t text_size = 0;
  uint32_t name_hash = 0;  // internal::NameHash(name), so lookups never rehash
  ColumnType type = ColumnType::kString;
  bool boolean = false;
  union {
    int64_t integer = 0;  // kInteger
    double floating;      // kFloat
    int64_t micros;       // kTimestamp: microseconds since the Unix epoch, UTC
  };
};

// One row for one table, before it meets the table's schema.
struct Row {
  std::string table;
  std::string insert_id;    // messageId: BigQuery dedupes retries on it
  absl::Time received_at;   // selects the day partition
  std::string arena;        // names and text of `cells`
  std::vector<Cell> cells;  // at most one per name, in column order

  // Unchecked: cells only ever point inside their own row's arena.
  std::string_view Name(const Cell& c) const {
    return std::string_view(arena.data() + c.name_offset, c.name_size);
  }
  std::string_view Text(const Cell& c) const {
    return std::string_view(arena.data() + c.text_offset, c.text_size);
  }
  // Appends a cell; the caller keeps names unique within the row.
  void AddString(std::string_view name, std::string_view value);
  void AddInteger(std::string_view name, int64_t value);
  void AddFloat(std::string_view name, double value);
  void AddBoolean(std::string_view name, bool value);
  // `text` is the original form, kept for STRING columns.
  void AddTimestamp(std::string_view name, int64_t micros, std::string_view text);
  const Cell* Find(std::string_view name) const;
  // Appends a cell with no value set; `name_hash` must be internal::NameHash(name).
  Cell& AppendCell(std::string_view name, uint32_t name_hash, ColumnType type);
};

}  // namespace opentrack::warehouse_schema

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_TYPES_H_
