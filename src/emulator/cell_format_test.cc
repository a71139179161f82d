#include "emulator/cell_format.h"

#include "gtest/gtest.h"

namespace opentrack::emulator {
namespace {

TEST(CellFormatTest, JavaDoubleStringMatchesBigQueryTimestamps) {
  EXPECT_EQ(JavaDoubleString(1704067200), "1.7040672E9");
  EXPECT_EQ(JavaDoubleString(1704067200.123456), "1.704067200123456E9");
  EXPECT_EQ(JavaDoubleString(0), "0.0");
  EXPECT_EQ(JavaDoubleString(1.5), "1.5");
  EXPECT_EQ(JavaDoubleString(100), "100.0");
  EXPECT_EQ(JavaDoubleString(1e-5), "1.0E-5");
  EXPECT_EQ(JavaDoubleString(-1704067200), "-1.7040672E9");
}

TEST(CellFormatTest, CellsAreStrings) {
  const Field ts{"ts", "TIMESTAMP", "NULLABLE", "", {}};
  EXPECT_EQ(Cell(ts, SqlValue::Int(1704067200000000), {}).Dump(), R"({"v":"1.7040672E9"})");
  EXPECT_EQ(Cell(ts, SqlValue::Int(1704067200000000), {.int64_timestamp = true}).Dump(),
            R"({"v":"1704067200000000"})");
  const Field b{"b", "BOOLEAN", "NULLABLE", "", {}};
  EXPECT_EQ(Cell(b, SqlValue::Int(1), {}).Dump(), R"({"v":"true"})");
  const Field tags{"tags", "STRING", "REPEATED", "", {}};
  EXPECT_EQ(Cell(tags, SqlValue::Text(R"(["a","b"])"), {}).Dump(),
            R"({"v":[{"v":"a"},{"v":"b"}]})");
  EXPECT_EQ(Cell(tags, SqlValue(), {}).Dump(), R"({"v":[]})");
  const Field f{"f", "FLOAT", "NULLABLE", "", {}};
  EXPECT_EQ(Cell(f, SqlValue::Real(0.1), {}).Dump(), R"({"v":"0.1"})");
  EXPECT_EQ(Cell(f, SqlValue(), {}).Dump(), R"({"v":null})");
}

}  // namespace
}  // namespace opentrack::emulator
