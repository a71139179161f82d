// Table and column names: go-snakecase plus the rules that keep every name
// valid in BigQuery and clear of Segment's own tables and columns
// (docs/schema-rules.md).
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_NAMING_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_NAMING_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "warehouse_schema/types.h"

namespace opentrack::warehouse_schema {

inline constexpr size_t kMaxTableNameBytes = 1024;
inline constexpr size_t kMaxColumnNameBytes = 300;

// The Segment tables an event can produce; used as bits in reserved masks.
enum class TableKind : uint8_t {
  kTracks,
  kEvent,
  kIdentifies,
  kUsers,
  kPages,
  kScreens,
  kGroups,
  kAccounts,
  kAliases
};
constexpr uint16_t TableKindBit(TableKind kind) { return uint16_t{1} << static_cast<int>(kind); }

// FNV-1a, 32 bits: stable across runs and platforms, so hashed names never move.
uint32_t Fnv1a32(std::string_view s);
// Eight lowercase hex digits of Fnv1a32(s).
std::string HashHex(std::string_view s);

// The table for a track event named `raw_event` (also the `event` column).
std::string EventTableName(std::string_view raw_event);

// The column for a value at `raw_path`, the raw keys joined with '_'
// ("context_userAgentData_brands"), before any reserved-name prefix.
std::string ColumnNameForPath(std::string_view raw_path);

// Tables on which a property/trait/context column named `column` would shadow
// a standard column; such columns get a '_' prefix there.
uint16_t ReservedColumnMask(std::string_view column);

// `<column>_<type suffix>`, kept within kMaxColumnNameBytes.
std::string SiblingColumnName(std::string_view column, ColumnType type);

}  // namespace opentrack::warehouse_schema

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_NAMING_H_
