// How BigQuery writes stored values in tabledata.list and query results:
// every scalar is a JSON string, TIMESTAMP as float seconds ("1.7040672E9")
// or, with formatOptions.useInt64Timestamp, integer microseconds.
#ifndef OPENTRACK_EMULATOR_CELL_FORMAT_H_
#define OPENTRACK_EMULATOR_CELL_FORMAT_H_

#include <string>

#include "emulator/json.h"
#include "emulator/schema.h"
#include "emulator/values.h"

namespace opentrack::emulator {

struct CellOptions {
  bool int64_timestamp = false;
};

// {"v": ...} for one stored value of `field`.
Json Cell(const Field& field, const SqlValue& value, CellOptions options);
// {"f":[cells]} for a row.
Json RowCells(const Schema& schema, const std::vector<SqlValue>& row, CellOptions options);

// Java's Double.toString form, which BigQuery uses for float seconds.
std::string JavaDoubleString(double v);

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_CELL_FORMAT_H_
