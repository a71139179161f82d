// Helpers shared by the warehouse_schema tests.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_MAPPER_TEST_UTIL_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_MAPPER_TEST_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "warehouse_schema/event_mapper.h"
#include "warehouse_schema/types.h"

namespace opentrack::warehouse_schema::testing {

// 2024-01-01T01:00:00Z, the load time of every test.
inline absl::Time LoadedAt() { return absl::FromUnixSeconds(1704070800); }
inline constexpr std::string_view kLoadedText = "2024-01-01T01:00:00.000000Z";

// A normalized event: `fields` (JSON members, no braces) after messageId "m1"
// and receivedAt 2024-01-01T00:05:10Z.
inline std::string Normalized(std::string_view fields) {
  return "{\"messageId\":\"m1\",\"receivedAt\":\"2024-01-01T00:05:10.000000Z\"," +
         std::string(fields) + "}";
}

inline std::vector<Row> MapOrDie(EventMapper& mapper, const std::string& json) {
  std::vector<Row> rows;
  const absl::Status status = mapper.Map(json, LoadedAt(), &rows);
  EXPECT_TRUE(status.ok()) << status << " for " << json;
  return rows;
}

inline std::vector<Row> MapOrDie(const std::string& json) {
  EventMapper mapper;
  return MapOrDie(mapper, json);
}

inline std::vector<std::string> Tables(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(r.table);
  return out;
}

inline std::vector<std::string> Names(const Row& row) {
  std::vector<std::string> out;
  for (const Cell& c : row.cells) out.emplace_back(row.Name(c));
  return out;
}

inline const Row& RowOf(const std::vector<Row>& rows, std::string_view table) {
  for (const Row& r : rows) {
    if (r.table == table) return r;
  }
  ADD_FAILURE() << "no row for table " << table;
  static const Row kEmpty;
  return kEmpty;
}

}  // namespace opentrack::warehouse_schema::testing

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_MAPPER_TEST_UTIL_H_
