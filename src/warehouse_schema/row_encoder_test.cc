#include "warehouse_schema/row_encoder.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace opentrack::warehouse_schema {
namespace {

std::string MicrosText(int64_t micros) {
  std::string out;
  AppendTimestampMicrosText(micros, &out);
  return out;
}

TEST(RowEncoderTest, TimestampText) {
  EXPECT_EQ(MicrosText(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(MicrosText(1704067500123456), "2024-01-01T00:05:00.123456Z");
  EXPECT_EQ(MicrosText(951782400000000), "2000-02-29T00:00:00.000000Z");
  EXPECT_EQ(MicrosText(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(MicrosText(-62135596800000000), "0001-01-01T00:00:00.000000Z");
  EXPECT_EQ(MicrosText(253402300799999999), "9999-12-31T23:59:59.999999Z");
}

TEST(RowEncoderTest, EncodesEachTypeInInsertAllForm) {
  Row row;
  row.AddString("s", "a\"b\n");
  row.AddInteger("i", -9223372036854775807 - 1);
  row.AddFloat("f", 0.5);
  row.AddBoolean("b", false);
  row.AddTimestamp("t1", 1704067500000000, "2024-01-01T00:05:00.000000Z");
  row.AddTimestamp("t2", 1704067500000000, "2024-01-01T01:05:00+01:00");
  const TableSchema schema = {{"s", ColumnType::kString},     {"i", ColumnType::kInteger},
                              {"f", ColumnType::kFloat},      {"b", ColumnType::kBoolean},
                              {"t1", ColumnType::kTimestamp}, {"t2", ColumnType::kTimestamp}};
  EXPECT_EQ(EncodeRow(row, schema),
            R"({"s":"a\"b\n","i":"-9223372036854775808","f":0.5,"b":false,)"
            R"("t1":"2024-01-01T00:05:00.000000Z","t2":"2024-01-01T00:05:00.000000Z"})");
}

TEST(RowEncoderTest, NonFiniteFloats) {
  Row row;
  row.AddFloat("a", std::numeric_limits<double>::quiet_NaN());
  row.AddFloat("b", std::numeric_limits<double>::infinity());
  row.AddFloat("c", -std::numeric_limits<double>::infinity());
  row.AddFloat("d", std::numeric_limits<double>::infinity());
  const TableSchema schema = {{"a", ColumnType::kFloat},
                              {"b", ColumnType::kFloat},
                              {"c", ColumnType::kFloat},
                              {"d", ColumnType::kString}};
  EXPECT_EQ(EncodeRow(row, schema), R"({"a":"NaN","b":"Infinity","c":"-Infinity","d":"Infinity"})");
}

TEST(RowEncoderTest, ValuesWithoutAColumnAreLeftOut) {
  Row row;
  row.AddString("known", "k");
  row.AddString("unknown", "u");
  EXPECT_EQ(EncodeRow(row, {{"known", ColumnType::kString}}), R"({"known":"k"})");
  EXPECT_EQ(EncodeRow(Row{}, {}), "{}");
}

TEST(RowEncoderTest, DebugJsonShowsValueTypes) {
  Row row;
  row.table = "tracks";
  row.insert_id = "m1";
  row.AddString("s", "x");
  row.AddInteger("i", 3);
  row.AddFloat("f", 1.25);
  row.AddBoolean("b", true);
  row.AddTimestamp("t", 0, "1970-01-01T00:00:00Z");
  EXPECT_EQ(RowToDebugJson(row),
            R"({"table":"tracks","insert_id":"m1","columns":{)"
            R"("s":{"type":"STRING","value":"x"},"i":{"type":"INTEGER","value":3},)"
            R"("f":{"type":"FLOAT","value":1.25},"b":{"type":"BOOLEAN","value":true},)"
            R"("t":{"type":"TIMESTAMP","value":"1970-01-01T00:00:00.000000Z"}}})");
}

}  // namespace
}  // namespace opentrack::warehouse_schema
