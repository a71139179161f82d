#include "warehouse_schema/schema_planner.h"

#include "warehouse_schema/internal/value_router.h"
#include "warehouse_schema/schema_index.h"

namespace opentrack::warehouse_schema {

SchemaPlan PlanSchema(const TableSchema& current, std::span<const Row> rows) {
  SchemaPlan plan;
  SchemaIndex index = SchemaIndex::TypesOnly(current);
  std::vector<std::string> claims;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    const size_t first_new = plan.new_columns.size();
    std::string reason;
    // Each pass adds the columns the row needs; routing is stable once none is
    // missing (at most three candidates per cell, so this ends).
    for (bool added = true; added;) {
      added = false;
      reason.clear();
      claims.clear();
      for (const Cell& cell : row.cells) {
        const std::optional<ColumnType> own = index.Find(row, cell);
        if (own && internal::Accepts(*own, cell)) continue;  // the common case
        internal::Placement p = internal::RouteCell(row, cell, index, &claims);
        if (p.kind == internal::Placement::kNeedColumn) {
          std::string name = p.column.empty() ? std::string(row.Name(cell)) : std::move(p.column);
          if (index.Add(name, p.column_type)) {
            plan.new_columns.push_back({std::move(name), p.column_type});
            added = true;
          }
        } else if (p.kind == internal::Placement::kQuarantine && reason.empty()) {
          reason = std::move(p.reason);
        }
      }
    }
    if (!reason.empty()) {
      for (size_t k = first_new; k < plan.new_columns.size(); ++k) {
        index.Remove(plan.new_columns[k].name);
      }
      plan.new_columns.resize(first_new);
      plan.quarantined_rows.push_back(i);
      plan.quarantine_reasons.push_back(std::move(reason));
    }
  }
  return plan;
}

TableSchema ApplyPlan(const TableSchema& schema, const SchemaPlan& plan) {
  TableSchema out = schema;
  out.insert(out.end(), plan.new_columns.begin(), plan.new_columns.end());
  return out;
}

}  // namespace opentrack::warehouse_schema
