// The hot-path shortcuts must give exactly what the careful common helpers give.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/json_text.h"
#include "common/time_format.h"
#include "gtest/gtest.h"
#include "warehouse_schema/internal/fast_text.h"
#include "warehouse_schema/internal/fast_time.h"
#include "warehouse_schema/internal/name_table.h"

namespace opentrack::warehouse_schema::internal {
namespace {

TEST(NameTableTest, FindInsertEraseAndGrow) {
  NameTable<int> table;
  EXPECT_EQ(table.Find("a", NameHash("a")), nullptr);
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "column_" + std::to_string(i);
    EXPECT_TRUE(table.Insert(name, NameHash(name), i).second);
  }
  EXPECT_FALSE(table.Insert("column_7", NameHash("column_7"), 99).second);
  EXPECT_EQ(table.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "column_" + std::to_string(i);
    const int* v = table.Find(name, NameHash(name));
    ASSERT_NE(v, nullptr) << name;
    EXPECT_EQ(*v, i);
  }
  EXPECT_TRUE(table.Erase("column_7", NameHash("column_7")));
  EXPECT_FALSE(table.Erase("column_7", NameHash("column_7")));
  EXPECT_EQ(table.Find("column_7", NameHash("column_7")), nullptr);
  EXPECT_NE(table.Find("column_8", NameHash("column_8")), nullptr);
  // Same hash, different names: told apart by the bytes.
  table.Insert("x1", 5, 1);
  table.Insert("x2", 5, 2);
  EXPECT_EQ(*table.Find("x1", 5), 1);
  EXPECT_EQ(*table.Find("x2", 5), 2);
  NameTable<int> copy = table;
  EXPECT_EQ(copy.size(), table.size());
  EXPECT_EQ(*copy.Find("column_999", NameHash("column_999")), 999);
}

TEST(FastTimeTest, MatchesParseTimestamp) {
  const std::vector<std::string> inputs = {"2024-01-01T00:05:10.000000Z",
                                           "2024-06-01T00:00:00.026Z",
                                           "1969-12-31T23:59:59.999999Z",
                                           "0001-01-01T00:00:00.000Z",
                                           "9999-12-31T23:59:59.999999Z",
                                           "2024-02-29T12:00:00.000Z",
                                           "2023-02-29T12:00:00.000Z",
                                           "2024-13-01T00:00:00.000Z",
                                           "2024-01-01T24:00:00.000Z",
                                           "2016-12-31T23:59:60.000Z",
                                           "2024-01-01T00:00:00+01:00",
                                           "2024-01-01 10:00",
                                           "2024-01-01",
                                           "2024-01-01T00:00:00.0000000Z",
                                           "2024-0a-01T00:00:00.000Z",
                                           "not a date at all, honestly"};
  for (const std::string& s : inputs) {
    const std::optional<absl::Time> want = ParseTimestamp(s);
    const std::optional<int64_t> got = ParseTimestampMicros(s);
    ASSERT_EQ(got.has_value(), want.has_value()) << s;
    if (want) {
      EXPECT_EQ(*got, absl::ToUnixMicros(*want)) << s;
    }
  }
}

TEST(FastTextTest, NameHashIsDeterministic) {
  EXPECT_EQ(NameHash("context_ip"), NameHash(std::string("context_") + "ip"));
  EXPECT_NE(NameHash("a"), NameHash("b"));
}

}  // namespace
}  // namespace opentrack::warehouse_schema::internal
