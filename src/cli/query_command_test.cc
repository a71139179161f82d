#include "cli/query_command.h"

#include <sstream>

#include "gtest/gtest.h"

namespace opentrack::cli {
namespace {

bigquery::QueryResult TwoRows() {
  bigquery::QueryResult r;
  r.schema = {{.name = "event", .type = "STRING"}, {.name = "n", .type = "INTEGER"}};
  r.rows = {{"order_completed", "12"}, {std::nullopt, "3"}};
  return r;
}

TEST(QueryCommandTest, PrintsAnAlignedTable) {
  std::ostringstream out;
  PrintQueryResult(TwoRows(), QueryOutput::kTable, out);
  EXPECT_EQ(out.str(),
            "event           | n\n"
            "----------------+---\n"
            "order_completed | 12\n"
            "NULL            | 3\n"
            "(2 rows)\n");
}

TEST(QueryCommandTest, PrintsJsonLinesWithNulls) {
  std::ostringstream out;
  PrintQueryResult(TwoRows(), QueryOutput::kJsonLines, out);
  EXPECT_EQ(out.str(),
            "{\"event\":\"order_completed\",\"n\":\"12\"}\n"
            "{\"event\":null,\"n\":\"3\"}\n");
}

}  // namespace
}  // namespace opentrack::cli
