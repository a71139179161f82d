#include "warehouse_schema/schema_planner.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "warehouse_schema/mapper_test_util.h"
#include "warehouse_schema/row_encoder.h"

namespace opentrack::warehouse_schema {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr ColumnType kString = ColumnType::kString;
constexpr ColumnType kInteger = ColumnType::kInteger;
constexpr ColumnType kFloat = ColumnType::kFloat;
constexpr ColumnType kBoolean = ColumnType::kBoolean;
constexpr ColumnType kTimestamp = ColumnType::kTimestamp;

Row RowWith(void (*fill)(Row*)) {
  Row row;
  row.table = "t";
  row.insert_id = "m";
  fill(&row);
  return row;
}

TEST(SchemaPlannerTest, NewColumnsTakeFirstValueTypeInRowOrder) {
  std::vector<Row> rows = {RowWith([](Row* r) { r->AddInteger("quantity", 2); }),
                           RowWith([](Row* r) {
                             r->AddFloat("quantity", 2.5);
                             r->AddBoolean("flag", true);
                           })};
  const SchemaPlan plan = PlanSchema({}, rows);
  EXPECT_THAT(plan.new_columns,
              ElementsAre(Column{"quantity", kInteger}, Column{"quantity_float", kFloat},
                          Column{"flag", kBoolean}));
  EXPECT_THAT(plan.quarantined_rows, IsEmpty());
}

// Spec vector 19, under the lead's no-loss rule: the column stays INTEGER, and
// 2.5 goes to a FLOAT sibling instead of being truncated (spec: cast to 2).
TEST(SchemaPlannerTest, SpecVector19FloatAfterIntegerKeepsTypeAndValue) {
  const TableSchema current = {{"quantity", kInteger}};
  std::vector<Row> rows = {RowWith([](Row* r) { r->AddFloat("quantity", 2.5); })};
  const SchemaPlan plan = PlanSchema(current, rows);
  EXPECT_THAT(plan.new_columns, ElementsAre(Column{"quantity_float", kFloat}));
  EXPECT_EQ(EncodeRow(rows[0], ApplyPlan(current, plan)), R"({"quantity_float":2.5})");
}

TEST(SchemaPlannerTest, ExactConversionsStayInTheColumn) {
  const TableSchema current = {{"f", kFloat},   {"s1", kString}, {"s2", kString}, {"s3", kString},
                               {"s4", kString}, {"i", kInteger}, {"s5", kString}};
  std::vector<Row> rows = {RowWith([](Row* r) {
    r->AddInteger("f", 7);
    r->AddBoolean("s1", true);
    r->AddTimestamp("s2", 0, "1970-01-01T00:00:00Z");
    r->AddInteger("s3", -12);
    r->AddFloat("s4", 0.1);
    r->AddFloat("i", 3.0);
    r->AddBoolean("s5", false);
  })};
  const SchemaPlan plan = PlanSchema(current, rows);
  EXPECT_THAT(plan.new_columns, IsEmpty());
  EXPECT_EQ(EncodeRow(rows[0], current),
            R"({"f":7,"s1":"true","s2":"1970-01-01T00:00:00Z","s3":"-12","s4":"0.1","i":"3",)"
            R"("s5":"false"})");
}

TEST(SchemaPlannerTest, InexactValuesGoToTypedSiblings) {
  const TableSchema current = {
      {"created_at", kTimestamp}, {"flag", kInteger}, {"n", kBoolean}, {"t", kInteger}};
  std::vector<Row> rows = {RowWith([](Row* r) {
    r->AddString("created_at", "yesterday");
    r->AddBoolean("flag", true);
    r->AddInteger("n", 5);
    r->AddTimestamp("t", 1000000, "1970-01-01T00:00:01Z");
  })};
  const SchemaPlan plan = PlanSchema(current, rows);
  EXPECT_THAT(plan.new_columns,
              ElementsAre(Column{"created_at_string", kString}, Column{"flag_boolean", kBoolean},
                          Column{"n_integer", kInteger}, Column{"t_timestamp", kTimestamp}));
  EXPECT_EQ(EncodeRow(rows[0], ApplyPlan(current, plan)),
            R"({"created_at_string":"yesterday","flag_boolean":true,"n_integer":"5",)"
            R"("t_timestamp":"1970-01-01T00:00:01.000000Z"})");
}

TEST(SchemaPlannerTest, FloatTooLargeForIntegerGoesToSibling) {
  const TableSchema current = {{"n", kInteger}};
  std::vector<Row> rows = {RowWith([](Row* r) { r->AddFloat("n", 1e19); })};
  EXPECT_THAT(PlanSchema(current, rows).new_columns, ElementsAre(Column{"n_float", kFloat}));
}

TEST(SchemaPlannerTest, SiblingOfOtherTypeFallsBackToString) {
  const TableSchema current = {{"q", kInteger}, {"q_float", kBoolean}};
  std::vector<Row> rows = {RowWith([](Row* r) { r->AddFloat("q", 2.5); })};
  const SchemaPlan plan = PlanSchema(current, rows);
  EXPECT_THAT(plan.new_columns, ElementsAre(Column{"q_string", kString}));
  EXPECT_EQ(EncodeRow(rows[0], ApplyPlan(current, plan)), R"({"q_string":"2.5"})");
}

TEST(SchemaPlannerTest, NoColumnLeftQuarantinesTheRowAndAddsNothingForIt) {
  const TableSchema current = {{"q", kInteger}, {"q_float", kBoolean}, {"q_string", kInteger}};
  std::vector<Row> rows = {RowWith([](Row* r) {
                             r->AddString("fresh", "x");
                             r->AddFloat("q", 2.5);
                           }),
                           RowWith([](Row* r) { r->AddInteger("q", 1); })};
  const SchemaPlan plan = PlanSchema(current, rows);
  EXPECT_THAT(plan.new_columns, IsEmpty());
  EXPECT_THAT(plan.quarantined_rows, ElementsAre(0));
  ASSERT_EQ(plan.quarantine_reasons.size(), 1u);
  EXPECT_THAT(plan.quarantine_reasons[0], HasSubstr("FLOAT value of \"q\""));
  EXPECT_THAT(plan.quarantine_reasons[0], HasSubstr("column is INTEGER"));
}

TEST(SchemaPlannerTest, SiblingNameUsedByAnotherCellOfTheRowIsSkipped) {
  const TableSchema current = {{"q", kInteger}};
  std::vector<Row> rows = {RowWith([](Row* r) {
    r->AddFloat("q", 2.5);
    r->AddFloat("q_float", 9.5);
  })};
  const SchemaPlan plan = PlanSchema(current, rows);
  EXPECT_THAT(plan.new_columns,
              ElementsAre(Column{"q_string", kString}, Column{"q_float", kFloat}));
  EXPECT_EQ(EncodeRow(rows[0], ApplyPlan(current, plan)), R"({"q_string":"2.5","q_float":9.5})");
}

TEST(SchemaPlannerTest, LaterRowsSeeColumnsEarlierRowsCreated) {
  std::vector<Row> rows = {RowWith([](Row* r) { r->AddString("v", "a"); }),
                           RowWith([](Row* r) { r->AddInteger("v", 3); }), RowWith([](Row* r) {
                             r->AddTimestamp("v", 0, "1970-01-01T00:00:00Z");
                           })};
  const SchemaPlan plan = PlanSchema({}, rows);
  EXPECT_THAT(plan.new_columns, ElementsAre(Column{"v", kString}));
  const TableSchema schema = ApplyPlan({}, plan);
  EXPECT_EQ(EncodeRow(rows[1], schema), R"({"v":"3"})");
  EXPECT_EQ(EncodeRow(rows[2], schema), R"({"v":"1970-01-01T00:00:00Z"})");
}

TEST(SchemaPlannerTest, ExistingColumnsNeedNothing) {
  const std::vector<Row> rows =
      testing::MapOrDie(testing::Normalized(R"("type":"alias","userId":"u2","previousId":"a1")"));
  const SchemaPlan first = PlanSchema({}, rows);
  EXPECT_THAT(first.new_columns,
              ElementsAre(Column{"id", kString}, Column{"user_id", kString},
                          Column{"received_at", kTimestamp}, Column{"uuid_ts", kTimestamp},
                          Column{"loaded_at", kTimestamp}, Column{"previous_id", kString}));
  EXPECT_THAT(PlanSchema(first.new_columns, rows).new_columns, IsEmpty());
}

TEST(ColumnTypeTest, BigQueryNamesRoundTrip) {
  for (ColumnType t : {kString, kInteger, kFloat, kBoolean, kTimestamp}) {
    EXPECT_EQ(ColumnTypeFromBigQuery(BigQueryTypeName(t)), t);
  }
  EXPECT_EQ(ColumnTypeFromBigQuery("INT64"), kInteger);
  EXPECT_EQ(ColumnTypeFromBigQuery("float64"), kFloat);
  EXPECT_EQ(ColumnTypeFromBigQuery("BOOL"), kBoolean);
  EXPECT_EQ(ColumnTypeFromBigQuery("RECORD"), std::nullopt);
}

}  // namespace
}  // namespace opentrack::warehouse_schema
