// Decides, for a batch of rows bound for one table, which columns to add and
// which rows cannot be stored. Columns never change type (BigQuery's API
// rejects type changes); values that do not fit go to typed sibling columns.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_SCHEMA_PLANNER_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_SCHEMA_PLANNER_H_

#include <span>
#include <string>
#include <vector>

#include "warehouse_schema/types.h"

namespace opentrack::warehouse_schema {

struct SchemaPlan {
  std::vector<Column> new_columns;       // to add to the table, in order (empty: nothing to do)
  std::vector<size_t> quarantined_rows;  // indexes into the rows span that cannot be stored
  std::vector<std::string> quarantine_reasons;  // parallel to quarantined_rows
};

// A new column takes the type of the first value that needs it, in row order.
// A quarantined row adds no columns.
SchemaPlan PlanSchema(const TableSchema& current, std::span<const Row> rows);

// `schema` with the plan's new columns appended: what the table looks like
// once the plan is applied.
TableSchema ApplyPlan(const TableSchema& schema, const SchemaPlan& plan);

}  // namespace opentrack::warehouse_schema

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_SCHEMA_PLANNER_H_
