// Streaming-insert value rules (spec rules 21, 24, 25): turns one insertAll
// row into the stored column values, or into per-field row errors. Pure.
#ifndef OPENTRACK_EMULATOR_VALUES_H_
#define OPENTRACK_EMULATOR_VALUES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "emulator/json.h"
#include "emulator/schema.h"

namespace opentrack::emulator {

// One SQLite value. TIMESTAMP is INTEGER microseconds since the epoch,
// BOOLEAN is INTEGER 0/1, RECORD and REPEATED are JSON text.
struct SqlValue {
  enum class Kind { kNull, kInt, kReal, kText };
  Kind kind = Kind::kNull;
  int64_t i = 0;
  double d = 0;
  std::string s;

  static SqlValue Int(int64_t v) { return {Kind::kInt, v, 0, {}}; }
  static SqlValue Real(double v) { return {Kind::kReal, 0, v, {}}; }
  static SqlValue Text(std::string v) { return {Kind::kText, 0, 0, std::move(v)}; }
};

struct RowError {
  std::string location;
  std::string message;
};

// Top-level column name (schema spelling) -> value, for present columns only.
using StoredRow = std::vector<std::pair<std::string, SqlValue>>;

// Validates `row` (a JSON object) against `schema`. Returns false and fills
// `errors` when the row is invalid.
bool ConvertRow(const Schema& schema, const Json& row, bool ignore_unknown_values, StoredRow* out,
                std::vector<RowError>* errors);

// SQLite column declaration for a field: the declared type keeps the
// BigQuery type so query results can be typed from sqlite3_column_decltype.
std::string SqlDeclType(const Field& field);
// BigQuery type from a declared type ("" when unknown).
std::string TypeFromDeclType(std::string_view decl);

// Valid TIMESTAMP range in microseconds (0001-01-01 .. 9999-12-31 23:59:59.999999).
inline constexpr int64_t kMinTimestampMicros = -62135596800000000;
inline constexpr int64_t kMaxTimestampMicros = 253402300799999999;

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_VALUES_H_
