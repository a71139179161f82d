#include "warehouse_schema/internal/value_router.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "warehouse_schema/naming.h"

namespace opentrack::warehouse_schema::internal {
namespace {

absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

Placement RouteCell(const Row& row, const Cell& cell, const SchemaIndex& schema,
                    std::vector<std::string>* sibling_claims) {
  const std::string_view name = row.Name(cell);
  const std::optional<ColumnType> own = schema.Find(row, cell);
  if (!own) return {Placement::kNeedColumn, "", cell.type, ""};
  if (Accepts(*own, cell)) return {Placement::kStore, "", *own, ""};
  // The value does not fit its column: try `<name>_<type>`, then `<name>_string`.
  std::string tried;
  for (const ColumnType want : {cell.type, ColumnType::kString}) {
    std::string candidate = SiblingColumnName(name, want);
    if (!tried.empty() && candidate == tried) continue;  // a STRING value: one candidate
    tried = candidate;
    // Another cell's own name, or a sibling an earlier cell took: not ours.
    const bool taken = row.Find(candidate) != nullptr ||
                       std::find(sibling_claims->begin(), sibling_claims->end(), candidate) !=
                           sibling_claims->end();
    if (taken) continue;
    const std::optional<ColumnType> type = schema.Find(candidate);
    if (!type) return {Placement::kNeedColumn, std::move(candidate), want, ""};
    if (*type == want) {
      sibling_claims->push_back(candidate);
      return {Placement::kStore, std::move(candidate), want, ""};
    }
  }
  return {Placement::kQuarantine, "", cell.type,
          absl::StrCat("no column can hold the ", Sv(BigQueryTypeName(cell.type)), " value of \"",
                       Sv(name), "\": the column is ", Sv(BigQueryTypeName(*own)),
                       " and its typed and string siblings are taken")};
}

}  // namespace opentrack::warehouse_schema::internal
