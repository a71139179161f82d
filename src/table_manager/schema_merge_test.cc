#include "table_manager/schema_merge.h"

#include "gtest/gtest.h"

namespace opentrack::table_manager {
namespace {

using bigquery::Field;

TEST(SchemaMergeTest, AppendsMissingColumnsAsNullable) {
  std::vector<Field> existing = {{"id", "STRING"}, {"n", "INTEGER"}};
  std::vector<Field> needed = {{"N", "INT64"}, {"total", "FLOAT64", "REQUIRED"}, {"id", "STRING"}};
  SchemaMerge m = MergeColumns(existing, needed);
  ASSERT_EQ(m.merged.size(), 3u);
  EXPECT_EQ(m.merged[2], (Field{"total", "FLOAT", "NULLABLE"}));
  EXPECT_EQ(m.added, (std::vector<Field>{{"total", "FLOAT", "NULLABLE"}}));
  EXPECT_TRUE(m.conflicts.empty());
}

TEST(SchemaMergeTest, ExistingTypeWinsAndConflictIsReported) {
  std::vector<Field> existing = {{"price", "STRING"}};
  std::vector<Field> needed = {{"price", "FLOAT"}, {"price", "STRING"}};
  SchemaMerge m = MergeColumns(existing, needed);
  EXPECT_EQ(m.merged, existing);
  EXPECT_TRUE(m.added.empty());
  EXPECT_EQ(m.conflicts, (std::vector<TypeConflict>{{"price", "STRING", "FLOAT"}}));
}

TEST(SchemaMergeTest, MergesNestedRecords) {
  std::vector<Field> existing = {{"ctx", "RECORD", "NULLABLE", "", {{"a", "STRING"}}}};
  std::vector<Field> needed = {{"ctx", "RECORD", "NULLABLE", "", {{"b", "BOOLEAN"}}}};
  SchemaMerge m = MergeColumns(existing, needed);
  ASSERT_EQ(m.merged[0].fields.size(), 2u);
  EXPECT_EQ(m.added, (std::vector<Field>{{"ctx.b", "BOOLEAN"}}));
}

TEST(SchemaMergeTest, Describe) {
  EXPECT_EQ(FormatTableRef({"p", "d", "t"}), "p:d.t");
  std::vector<Field> cols = {{"total", "FLOAT64"}, {"order_id", "STRING"}};
  EXPECT_EQ(DescribeColumns(cols), "total (FLOAT), order_id (STRING)");
}

}  // namespace
}  // namespace opentrack::table_manager
