// Where one cell of a row goes under a schema: its own column, a typed sibling
// column, or nowhere (quarantine). Shared by PlanSchema and EncodeRow so the
// two always agree.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_VALUE_ROUTER_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_VALUE_ROUTER_H_

#include <cmath>
#include <string>
#include <vector>

#include "warehouse_schema/schema_index.h"
#include "warehouse_schema/types.h"

namespace opentrack::warehouse_schema::internal {

struct Placement {
  enum Kind { kStore, kNeedColumn, kQuarantine };
  Kind kind = kStore;
  // kStore/kNeedColumn: the target column and its type. Empty `column` means
  // the cell's own name (the common case, kept allocation-free).
  std::string column;
  ColumnType column_type = ColumnType::kString;
  std::string reason;  // kQuarantine
};

// True when a `cell` value converts exactly into a column of type `column`.
// Inline: it runs for every cell in planning and in encoding.
inline bool Accepts(ColumnType column, const Cell& cell) {
  if (column == cell.type || column == ColumnType::kString) return true;
  if (column == ColumnType::kFloat) return cell.type == ColumnType::kInteger;
  if (column == ColumnType::kInteger && cell.type == ColumnType::kFloat) {
    const double f = cell.floating;
    // [-2^63, 2^63): the doubles that convert to int64 without overflow.
    return std::isfinite(f) && std::trunc(f) == f && f >= -9223372036854775808.0 &&
           f < 9223372036854775808.0;
  }
  return false;
}

// Routes `cell` of `row`. `sibling_claims` holds sibling columns already used
// by earlier cells of the same row; pass the same vector, cleared, for each row.
Placement RouteCell(const Row& row, const Cell& cell, const SchemaIndex& schema,
                    std::vector<std::string>* sibling_claims);

}  // namespace opentrack::warehouse_schema::internal

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_VALUE_ROUTER_H_
