// Differential fuzzer for the warehouse mapping's two paths. The input is one
// or two normalized events separated by a newline (the second can give a
// column another type, so sibling columns come into play). Checks:
// - Map and MapEncoded agree on which events are invalid, with the same error;
// - MapEncoded declines every event while no table is known;
// - once the tables learned both events' columns (PlanSchema, as the loader
//   does), MapEncoded accepts an event exactly when the planner has nothing to
//   do for it, and then writes byte for byte what AppendEncodedRow writes
//   (MapEncoded parsing the text in place, Map parsing a copy).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "simdjson.h"
#include "warehouse_schema/event_mapper.h"
#include "warehouse_schema/internal/value_router.h"
#include "warehouse_schema/row_encoder.h"
#include "warehouse_schema/schema_index.h"
#include "warehouse_schema/schema_planner.h"

namespace {

namespace ws = opentrack::warehouse_schema;

void Check(bool condition) {
  if (!condition) std::abort();
}

bool PlannerHasNothingToDo(const std::map<std::string, ws::SchemaIndex>& indexes,
                           const std::vector<ws::Row>& rows) {
  for (const ws::Row& row : rows) {
    auto it = indexes.find(row.table);
    if (it == indexes.end()) return false;
    std::vector<std::string> claims;
    for (const ws::Cell& cell : row.cells) {
      if (ws::internal::RouteCell(row, cell, it->second, &claims).kind !=
          ws::internal::Placement::kStore) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> events;
  const size_t newline = input.find('\n');
  events.emplace_back(input.substr(0, newline));
  if (newline != std::string_view::npos) events.emplace_back(input.substr(newline + 1));

  const absl::Time loaded_at = absl::FromUnixSeconds(1704070800);
  ws::EventMapper mapper;
  std::map<std::string, ws::TableSchema> schemas;
  std::vector<std::string> valid;
  for (const std::string& json : events) {
    std::vector<ws::Row> rows;
    const absl::Status mapped = mapper.Map(json, loaded_at, &rows);
    ws::EncodedRows encoded;
    const absl::StatusOr<bool> direct = mapper.MapEncoded(json, loaded_at, [&](std::string_view) {
      return ws::TableOutput{nullptr, &encoded};
    });
    Check(mapped.ok() == direct.ok());
    if (!mapped.ok()) {
      Check(mapped == direct.status());
      continue;
    }
    Check(!*direct && encoded.empty());
    for (const ws::Row& row : rows) {
      ws::TableSchema& schema = schemas[row.table];
      schema = ws::ApplyPlan(schema, ws::PlanSchema(schema, std::span<const ws::Row>(&row, 1)));
    }
    valid.push_back(json);
  }

  std::map<std::string, ws::SchemaIndex> indexes;
  for (const auto& [table, schema] : schemas) indexes.emplace(table, ws::SchemaIndex(schema));
  // Each table's rows pile up over the events, as in the loader's batches.
  std::map<std::string, ws::EncodedRows> outputs;
  std::vector<std::string> order;  // the tables MapEncoded asked for
  const auto output_of = [&](std::string_view table) {
    auto it = indexes.find(std::string(table));
    order.emplace_back(table);
    return ws::TableOutput{it == indexes.end() ? nullptr : &it->second,
                           &outputs[std::string(table)]};
  };
  const auto row_counts = [&outputs] {
    std::map<std::string, size_t> counts;
    for (const auto& [table, rows] : outputs) counts[table] = rows.size();
    return counts;
  };
  for (const std::string& json : valid) {
    std::vector<ws::Row> rows;
    Check(mapper.Map(json, loaded_at, &rows).ok());
    // Parsed in place, as the loader does with spool records: the bytes
    // after the text (quotes and braces) must not be read as part of it.
    const std::string padded = json + std::string(simdjson::SIMDJSON_PADDING, '"') + "}";
    std::map<std::string, size_t> next = row_counts();
    order.clear();
    const absl::StatusOr<bool> direct =
        mapper.MapEncoded(std::string_view(padded.data(), json.size()), loaded_at, output_of,
                          padded.size() - json.size());
    Check(direct.ok());
    Check(*direct == PlannerHasNothingToDo(indexes, rows));
    for (const std::string& table : order) next.try_emplace(table, 0);
    if (!*direct) {
      Check(row_counts() == next);  // every table as it was
      continue;
    }
    Check(order.size() == rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      Check(order[i] == rows[i].table);
      const ws::EncodedRows& encoded = outputs[order[i]];
      const size_t row = next[order[i]]++;
      Check(row < encoded.size());
      std::string want;
      ws::AppendEncodedRow(rows[i], indexes.at(rows[i].table), &want);
      Check(encoded.json(row) == want);
      Check(encoded.insert_id(row) == rows[i].insert_id);
    }
    Check(row_counts() == next);
  }
  return 0;
}
