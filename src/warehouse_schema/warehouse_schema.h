// The warehouse_schema module in one include: normalized event -> rows
// (EventMapper), rows -> schema changes (PlanSchema), rows -> insertAll JSON
// (EncodeRow). Pure: no I/O; time comes in as an argument. docs/schema-rules.md
// states every rule.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_WAREHOUSE_SCHEMA_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_WAREHOUSE_SCHEMA_H_

#include "warehouse_schema/encoded_rows.h"    // IWYU pragma: export
#include "warehouse_schema/event_mapper.h"    // IWYU pragma: export
#include "warehouse_schema/row_encoder.h"     // IWYU pragma: export
#include "warehouse_schema/schema_index.h"    // IWYU pragma: export
#include "warehouse_schema/schema_planner.h"  // IWYU pragma: export
#include "warehouse_schema/types.h"           // IWYU pragma: export

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_WAREHOUSE_SCHEMA_H_
