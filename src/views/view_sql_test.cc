#include "views/view_sql.h"

#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::views {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bigquery::Table MakeTable(std::string name, std::vector<std::pair<std::string, std::string>> cols) {
  bigquery::Table t;
  t.ref = {"p", "d", std::move(name)};
  for (auto& [n, type] : cols) t.schema.push_back({.name = n, .type = type});
  return t;
}

TEST(DedupViewQueryTest, MatchesSegmentsPublishedQueryExactly) {
  EXPECT_EQ(
      CreateViewStatement("proj", "web", "tracks_view",
                          DedupViewQuery("proj", "web", "tracks", 60)),
      "CREATE OR REPLACE VIEW `proj.web.tracks_view` AS\n"
      "SELECT * EXCEPT (ROW_NUMBER) FROM (\n"
      "  SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY loaded_at DESC) ROW_NUMBER\n"
      "  FROM `proj.web.tracks`\n"
      "  WHERE _PARTITIONTIME BETWEEN\n"
      "    TIMESTAMP_TRUNC(TIMESTAMP_MICROS(UNIX_MICROS(CURRENT_TIMESTAMP()) - 60 * 60 * 60 * "
      "24 * 1000000), DAY, 'UTC')\n"
      "    AND TIMESTAMP_TRUNC(CURRENT_TIMESTAMP(), DAY, 'UTC'))\n"
      "WHERE ROW_NUMBER = 1");
}

TEST(DedupViewQueryTest, LookbackIsConfigurable) {
  std::string q = DedupViewQuery("p", "d", "pages", 2000);
  EXPECT_THAT(q, HasSubstr("UNIX_MICROS(CURRENT_TIMESTAMP()) - 2000 * 60 * 60 * 24 * 1000000)"));
}

TEST(DedupViewQueryTest, ColumnPartitionedTableFiltersOnTheColumnsDay) {
  std::string q = DedupViewQuery("p", "d", "pages", 60, "received_at");
  EXPECT_THAT(q, HasSubstr("WHERE TIMESTAMP_TRUNC(received_at, DAY, 'UTC') BETWEEN\n"));
  EXPECT_THAT(q, Not(HasSubstr("_PARTITIONTIME")));
}

TEST(LatestPerIdQueryTest, KeepsNewestRowPerId) {
  EXPECT_EQ(LatestPerIdQuery("p", "d", "users"),
            "SELECT * EXCEPT (_latest_rank) FROM (\n"
            "  SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY received_at DESC, loaded_at "
            "DESC) AS _latest_rank\n"
            "  FROM `p.d.users`)\n"
            "WHERE _latest_rank = 1");
}

TEST(EventsUnifiedQueryTest, NoEventTablesGivesEmptyQuery) {
  std::vector<bigquery::Table> tables = {MakeTable("users", {{"id", "STRING"}}),
                                         MakeTable("order_completed", {{"id", "STRING"}})};
  EXPECT_EQ(EventsUnifiedQuery("p", "d", tables), "");
}

TEST(EventsUnifiedQueryTest, OneBranchPerPresentTableInFixedOrderFromTheViews) {
  std::vector<bigquery::Table> tables = {
      MakeTable("pages", {{"id", "STRING"}, {"name", "STRING"}, {"timestamp", "TIMESTAMP"}}),
      MakeTable("tracks", {{"id", "STRING"}, {"event", "STRING"}}),
      MakeTable("order_completed", {{"id", "STRING"}}),
  };
  std::string q = EventsUnifiedQuery("p", "d", tables);
  size_t tracks = q.find("FROM `p.d.tracks_view`");
  size_t pages = q.find("FROM `p.d.pages_view`");
  ASSERT_NE(tracks, std::string::npos);
  ASSERT_NE(pages, std::string::npos);
  EXPECT_LT(tracks, pages);
  EXPECT_THAT(q, Not(HasSubstr("order_completed")));
  EXPECT_THAT(q, Not(HasSubstr("screens")));
  EXPECT_THAT(q, HasSubstr("\nUNION ALL\n"));
  EXPECT_THAT(q, HasSubstr("'track' AS type"));
  EXPECT_THAT(q, HasSubstr("'page' AS type"));
}

TEST(EventsUnifiedQueryTest, MissingColumnsBecomeTypedNulls) {
  std::vector<bigquery::Table> tables = {
      MakeTable("tracks", {{"id", "STRING"}, {"event", "STRING"}, {"timestamp", "TIMESTAMP"}})};
  std::string q = EventsUnifiedQuery("p", "d", tables);
  EXPECT_THAT(q, HasSubstr("SELECT\n  id,\n  'track' AS type,\n"
                           "  CAST(NULL AS STRING) AS anonymous_id,\n"
                           "  CAST(NULL AS STRING) AS user_id,\n"
                           "  event,\n"));
  EXPECT_THAT(q, HasSubstr("  timestamp,\n  CAST(NULL AS TIMESTAMP) AS original_timestamp,\n"));
  EXPECT_THAT(q, HasSubstr("CAST(NULL AS STRING) AS context_page_url"));
}

TEST(EventsUnifiedQueryTest, ColumnOfAnotherTypeIsCastOrNulled) {
  std::vector<bigquery::Table> tables = {
      MakeTable("pages", {{"id", "STRING"}, {"category", "INTEGER"}, {"sent_at", "STRING"}})};
  std::string q = EventsUnifiedQuery("p", "d", tables);
  EXPECT_THAT(q, HasSubstr("CAST(category AS STRING) AS category"));
  EXPECT_THAT(q, HasSubstr("CAST(NULL AS TIMESTAMP) AS sent_at"));
}

TEST(EventsUnifiedQueryTest, EveryBranchHasTheSameColumnCount) {
  std::vector<bigquery::Table> tables = {
      MakeTable("tracks", {{"id", "STRING"}}), MakeTable("screens", {{"id", "STRING"}}),
      MakeTable("identifies", {{"id", "STRING"}}), MakeTable("groups", {{"group_id", "STRING"}}),
      MakeTable("aliases", {{"previous_id", "STRING"}})};
  std::string q = EventsUnifiedQuery("p", "d", tables);
  std::vector<std::string> branches;
  size_t start = 0;
  while (true) {
    size_t end = q.find("\nUNION ALL\n", start);
    branches.push_back(q.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 11;
  }
  ASSERT_EQ(branches.size(), 5u);
  for (const auto& b : branches) {
    EXPECT_EQ(std::count(b.begin(), b.end(), ','), 35) << b;
  }
}

TEST(SessionEventsQueryTest, SplitsOnTimeoutWithLagAndRunningSum) {
  std::string q = SessionEventsQuery("p", "d_analytics", 30);
  EXPECT_THAT(q, HasSubstr("FROM `p.d_analytics.events_unified`"));
  EXPECT_THAT(q,
              HasSubstr("LAG(timestamp) OVER (PARTITION BY session_key ORDER BY timestamp, id)"));
  EXPECT_THAT(q, HasSubstr("TIMESTAMP_DIFF(timestamp, previous_timestamp, SECOND) >= 30 * 60"));
  EXPECT_THAT(q, HasSubstr("SUM(session_start) OVER (PARTITION BY session_key ORDER BY timestamp, "
                           "id) AS session_number"));
  EXPECT_THAT(q,
              HasSubstr("CONCAT(session_key, '-', CAST(session_number AS STRING)) AS session_id"));
}

TEST(IdentityMapQueryTest, UsesIdentifiesAndAliasesWhenTheyHaveTheColumns) {
  std::vector<bigquery::Table> tables = {
      MakeTable("identifies",
                {{"anonymous_id", "STRING"}, {"user_id", "STRING"}, {"timestamp", "TIMESTAMP"}}),
      MakeTable("aliases", {{"previous_id", "STRING"}, {"timestamp", "TIMESTAMP"}}),
  };
  std::string q = IdentityMapQuery("p", "d", tables);
  EXPECT_THAT(q, HasSubstr("FROM `p.d.identifies_view`"));
  EXPECT_THAT(q, Not(HasSubstr("aliases")));  // no user_id column yet
  EXPECT_THAT(q, HasSubstr("GROUP BY identity_id, identity_type, user_id"));
  tables[1].schema.push_back({.name = "user_id", .type = "STRING"});
  EXPECT_THAT(IdentityMapQuery("p", "d", tables), HasSubstr("FROM `p.d.aliases_view`"));
  EXPECT_EQ(IdentityMapQuery("p", "d", std::vector<bigquery::Table>{}), "");
}

}  // namespace
}  // namespace opentrack::views
