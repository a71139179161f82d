// Rows as JSON text: the insertAll `json` object, and a typed debug form.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_ROW_ENCODER_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_ROW_ENCODER_H_

#include <string>

#include "warehouse_schema/schema_index.h"
#include "warehouse_schema/types.h"

namespace opentrack::warehouse_schema {

// The insertAll-ready JSON object for `row` under `schema`, which must already
// hold the plan's new columns. INTEGER as decimal strings, FLOAT as numbers
// (non-finite as "NaN"/"Infinity"/"-Infinity"), BOOLEAN true/false, TIMESTAMP
// "YYYY-MM-DDTHH:MM:SS.ffffffZ", STRING as JSON strings. Values go where
// PlanSchema routed them; a value whose column is missing from `schema`, or
// that PlanSchema quarantined, is left out.
std::string EncodeRow(const Row& row, const TableSchema& schema);
// The same with a prebuilt index (build it once per batch), appending to `out`.
void AppendEncodedRow(const Row& row, const SchemaIndex& schema, std::string* out);

// {"table":"tracks","insert_id":"m1","columns":{"id":{"type":"STRING","value":"m1"},...}}
// Cells in row order with the type the value has (before any schema); INTEGER
// and FLOAT as JSON numbers, TIMESTAMP in the microsecond form above.
std::string RowToDebugJson(const Row& row);

// "YYYY-MM-DDTHH:MM:SS.ffffffZ" for microseconds since the Unix epoch.
void AppendTimestampMicrosText(int64_t micros, std::string* out);

}  // namespace opentrack::warehouse_schema

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_ROW_ENCODER_H_
