// Rules 35-36 and the GoogleSQL subset: jobs.query, getQueryResults, views,
// DDL and the query features the collector's views use.
#include "emulator/service_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::emulator::testing {
namespace {

using ::testing::HasSubstr;
using Rows = std::vector<std::vector<std::string>>;

class QueryTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    CreateDataset("d");
    CreateTable("d", "tracks",
                R"([{"name":"id","type":"STRING"},{"name":"user_id","type":"STRING"},)"
                R"({"name":"event","type":"STRING"},{"name":"amount","type":"INTEGER"},)"
                R"({"name":"received_at","type":"TIMESTAMP"}])");
    ASSERT_EQ(
        InsertAll(
            "d", "tracks",
            R"({"rows":[)"
            R"({"json":{"id":"1","user_id":"u1","event":"signup","amount":10,"received_at":"2024-01-01T10:00:00Z"}},)"
            R"({"json":{"id":"2","user_id":"u1","event":"buy","amount":5,"received_at":"2024-01-02T11:30:00Z"}},)"
            R"({"json":{"id":"2","user_id":"u1","event":"buy","amount":5,"received_at":"2024-01-02T11:30:00Z"}},)"
            R"({"json":{"id":"3","user_id":"u2","event":"signup","amount":7,"received_at":"2024-01-03T00:00:01Z"}}]})")
            .body,
        R"({"kind":"bigquery#tableDataInsertAllResponse"})");
  }
  std::string ColumnType(const Reply& r, size_t i) {
    return r.json.Find("schema")->Find("fields")->items()[i].GetString("type");
  }
};

TEST_F(QueryTest, Rule35LegacySqlAndCreateView) {
  Reply legacy = Post("/projects/p/queries", R"({"query":"SELECT 1"})");
  EXPECT_EQ(legacy.status, 400);
  EXPECT_EQ(legacy.Reason(), "invalidQuery");
  Reply created = Query(
      "CREATE OR REPLACE VIEW `p.d.users_view` AS SELECT user_id, COUNT(*) AS n FROM `p.d.tracks` "
      "GROUP BY user_id");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_TRUE(created.json.GetBool("jobComplete", false));
  const std::string job_id = created.json.Find("jobReference")->GetString("jobId");
  Reply job = Get("/projects/p/jobs/" + job_id);
  EXPECT_EQ(job.json.Find("statistics")->Find("query")->GetString("statementType"), "CREATE_VIEW");
  Reply table = Get("/projects/p/datasets/d/tables/users_view");
  EXPECT_EQ(table.json.GetString("type"), "VIEW");
  EXPECT_EQ(QueryRows("SELECT * FROM `p.d.users_view` ORDER BY user_id"),
            (Rows{{"u1", "3"}, {"u2", "1"}}));
  ASSERT_EQ(Query("CREATE OR REPLACE VIEW `p.d.users_view` AS SELECT 'x' AS only").status, 200);
  EXPECT_EQ(QueryRows("SELECT * FROM `p.d.users_view`"), (Rows{{"x"}}));
  EXPECT_EQ(Query("CREATE VIEW `p.d.users_view` AS SELECT 1 AS y").status, 409);
}

TEST_F(QueryTest, Rule36AlterColumnSetDataType) {
  ASSERT_EQ(Query("ALTER TABLE `p.d.tracks` ALTER COLUMN amount SET DATA TYPE NUMERIC").status,
            200);
  EXPECT_EQ(Get("/projects/p/datasets/d/tables/tracks")
                .json.Find("schema")
                ->Find("fields")
                ->items()[3]
                .GetString("type"),
            "NUMERIC");
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(Query("ALTER TABLE `p.d.tracks` ALTER COLUMN amount SET DATA TYPE BIGNUMERIC").status,
            200);
  ASSERT_EQ(Query("ALTER TABLE `p.d.tracks` ADD COLUMN n2 INT64").status, 200);
  EXPECT_EQ(Query("ALTER TABLE `p.d.tracks` ALTER COLUMN n2 SET DATA TYPE FLOAT64").status, 200);
  clock_.Advance(absl::Seconds(10));
  ASSERT_EQ(Query("ALTER TABLE `p.d.tracks` ADD COLUMN n3 INT64").status, 200);
  Reply to_string = Query("ALTER TABLE `p.d.tracks` ALTER COLUMN n3 SET DATA TYPE STRING");
  EXPECT_EQ(to_string.status, 400);
  EXPECT_EQ(to_string.Reason(), "invalid");
  EXPECT_THAT(to_string.Message(), HasSubstr("is not assignable to STRING"));
  Reply mode = Query("ALTER TABLE `p.d.tracks` ALTER COLUMN n3 SET DATA TYPE INT64 NOT NULL");
  EXPECT_EQ(mode.status, 400);
  EXPECT_EQ(mode.Message(), "Column `n3` cannot change mode via SET DATA TYPE.");
  EXPECT_EQ(QueryRows("SELECT SUM(amount) AS s FROM `p.d.tracks`"), (Rows{{"27"}}));
}

TEST_F(QueryTest, SelectBasicsAndTypes) {
  Reply r = Query(
      "SELECT user_id, COUNT(DISTINCT id) AS n, MAX(received_at) AS last_seen, "
      "TIMESTAMP_TRUNC(MIN(received_at), DAY) AS first_day "
      "FROM `p.d.tracks` WHERE event IN ('signup', \"buy\") GROUP BY user_id HAVING COUNT(*) > 0 "
      "ORDER BY user_id LIMIT 10");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json.Find("schema")->Dump(),
            R"({"fields":[{"name":"user_id","type":"STRING","mode":"NULLABLE"},)"
            R"({"name":"n","type":"INTEGER","mode":"NULLABLE"},)"
            R"({"name":"last_seen","type":"TIMESTAMP","mode":"NULLABLE"},)"
            R"({"name":"first_day","type":"TIMESTAMP","mode":"NULLABLE"}]})");
  EXPECT_EQ(r.json.GetString("totalRows"), "2");
  EXPECT_EQ(r.json.Find("rows")->items()[0].Dump(),
            R"({"f":[{"v":"u1"},{"v":"2"},{"v":"1.704195E9"},{"v":"1.7040672E9"}]})");
}

TEST_F(QueryTest, Int64TimestampsAndGetQueryResults) {
  Reply r =
      Post("/projects/p/queries",
           R"({"query":"SELECT received_at FROM `p.d.tracks` ORDER BY received_at LIMIT 1",)"
           R"("useLegacySql":false,"formatOptions":{"useInt64Timestamp":true},"maxResults":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json.Find("rows")->Dump(), R"([{"f":[{"v":"1704103200000000"}]}])");
  Reply paged = Post(
      "/projects/p/queries",
      R"({"query":"SELECT id FROM `p.d.tracks` ORDER BY id","useLegacySql":false,"maxResults":2})");
  EXPECT_EQ(paged.json.GetString("pageToken"), "2");
  const std::string job_id = paged.json.Find("jobReference")->GetString("jobId");
  Reply rest = Get("/projects/p/queries/" + job_id + "?pageToken=2");
  EXPECT_EQ(rest.json.Find("rows")->Dump(), R"([{"f":[{"v":"2"}]},{"f":[{"v":"3"}]}])");
  EXPECT_EQ(rest.json.GetString("totalRows"), "4");
  EXPECT_TRUE(rest.json.GetBool("jobComplete", false));
}

TEST_F(QueryTest, DedupViewWithWindowAndExcept) {
  EXPECT_EQ(
      QueryRows("SELECT * EXCEPT (rn, received_at) FROM (SELECT *, ROW_NUMBER() OVER "
                "(PARTITION BY id ORDER BY received_at DESC) AS rn FROM `p.d.tracks`) "
                "WHERE rn = 1 ORDER BY id"),
      (Rows{{"1", "u1", "signup", "10"}, {"2", "u1", "buy", "5"}, {"3", "u2", "signup", "7"}}));
  EXPECT_EQ(QueryRows("WITH ranked AS (SELECT id, LAG(id) OVER (ORDER BY received_at, id) AS prev "
                      "FROM `p.d.tracks`) SELECT t.* EXCEPT (prev) FROM ranked AS t ORDER BY id"),
            (Rows{{"1"}, {"2"}, {"2"}, {"3"}}));
}

TEST_F(QueryTest, FunctionsAndJoins) {
  EXPECT_EQ(
      QueryRows(
          "SELECT CONCAT(LOWER(a.event), '-', UPPER(a.user_id)) AS k, IF(a.amount > 6, 'big', "
          "'small') AS size, COALESCE(NULL, a.id) AS c, IFNULL(b.n, 0) AS n, "
          "CAST(a.amount AS STRING) AS s, CAST('5' AS INT64) + 1 AS i, DATE(a.received_at) AS d "
          "FROM `p.d.tracks` a LEFT JOIN (SELECT user_id, COUNT(*) AS n FROM `p.d.tracks` "
          "WHERE event = 'buy' GROUP BY user_id) b ON a.user_id = b.user_id WHERE a.id = '1'"),
      (Rows{{"signup-U1", "big", "1", "2", "10", "6", "2024-01-01"}}));
  EXPECT_EQ(
      QueryRows("SELECT TIMESTAMP_DIFF(MAX(received_at), MIN(received_at), HOUR) AS h, "
                "UNIX_MICROS(TIMESTAMP_SUB(TIMESTAMP '2024-01-02 00:00:00', INTERVAL 1 DAY)) AS u, "
                "ANY_VALUE(user_id) IS NOT NULL AS has_user FROM `p.d.tracks`"),
      (Rows{{"38", "1704067200000000", "1"}}));
  EXPECT_EQ(QueryRows("SELECT id FROM `p.d.tracks` WHERE id = '1' UNION ALL SELECT '9' AS id"),
            (Rows{{"1"}, {"9"}}));
  clock_.Set(absl::FromUnixSeconds(1704283200));  // 2024-01-03T12:00:00Z
  EXPECT_EQ(QueryRows("SELECT COUNT(*) AS n FROM `p.d.tracks` WHERE received_at > "
                      "TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)"),
            (Rows{{"1"}}));
}

TEST_F(QueryTest, PartitionTimeAndDefaultDataset) {
  Reply r = Post("/projects/p/queries",
                 R"({"query":"SELECT COUNT(*) AS n, MIN(_PARTITIONTIME) AS pt FROM tracks",)"
                 R"("useLegacySql":false,"defaultDataset":{"projectId":"p","datasetId":"d"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json.Find("rows")->Dump(), R"([{"f":[{"v":"4"},{"v":"1.7040672E9"}]}])");
  EXPECT_EQ(ColumnType(r, 1), "TIMESTAMP");
  // SELECT * never shows the pseudo-column.
  Reply star = Query("SELECT * FROM `p.d.tracks` LIMIT 1");
  EXPECT_EQ(star.json.Find("schema")->Find("fields")->items().size(), 5u);
}

TEST_F(QueryTest, ErrorsAreInvalidQueryOrNotFound) {
  Reply missing = Query("SELECT * FROM `p.d.nope`");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Message(), "Not found: Table p:d.nope");
  Reply syntax = Query("SELEC 1");
  EXPECT_EQ(syntax.status, 400);
  EXPECT_EQ(syntax.Reason(), "invalidQuery");
  Reply bad_column = Query("SELECT nope FROM `p.d.tracks`");
  EXPECT_EQ(bad_column.status, 400);
  EXPECT_EQ(bad_column.Reason(), "invalidQuery");
}

TEST_F(QueryTest, QueryJobsThroughJobsInsert) {
  Reply job = Post("/projects/p/jobs",
                   R"({"jobReference":{"jobId":"q1"},"configuration":{"query":{"query":)"
                   R"("SELECT COUNT(*) AS n FROM `p.d.tracks`","useLegacySql":false}}})");
  ASSERT_EQ(job.status, 200) << job.body;
  EXPECT_EQ(job.json.Find("status")->GetString("state"), "DONE");
  Reply results = Get("/projects/p/queries/q1");
  EXPECT_EQ(results.json.Find("rows")->Dump(), R"([{"f":[{"v":"4"}]}])");
}

TEST_F(QueryTest, CreateTableAndDrop) {
  ASSERT_EQ(Query("CREATE TABLE IF NOT EXISTS `p.d.made` (id STRING NOT NULL, ts TIMESTAMP, "
                  "tags ARRAY<STRING>) PARTITION BY DATE(ts)")
                .status,
            200);
  Reply table = Get("/projects/p/datasets/d/tables/made");
  EXPECT_EQ(table.json.Find("schema")->Dump(),
            R"({"fields":[{"name":"id","type":"STRING","mode":"REQUIRED"},)"
            R"({"name":"ts","type":"TIMESTAMP","mode":"NULLABLE"},)"
            R"({"name":"tags","type":"STRING","mode":"REPEATED"}]})");
  EXPECT_EQ(table.json.Find("timePartitioning")->GetString("field"), "ts");
  EXPECT_EQ(Query("DROP TABLE `p.d.made`").status, 200);
  EXPECT_EQ(Get("/projects/p/datasets/d/tables/made").status, 404);
  EXPECT_EQ(Query("DROP VIEW IF EXISTS `p.d.made`").status, 200);
  EXPECT_EQ(Query("DROP TABLE `p.d.made`").status, 404);
}

TEST_F(QueryTest, AlterTableIfExistsSkipsAMissingTable) {
  EXPECT_EQ(Query("ALTER TABLE IF EXISTS `p.d.missing` ADD COLUMN x STRING").status, 200);
  EXPECT_EQ(Query("ALTER TABLE `p.d.missing` ADD COLUMN x STRING").status, 404);
}

TEST_F(QueryTest, ArrayAggLastValueIdiom) {
  EXPECT_EQ(
      QueryRows("SELECT user_id, ARRAY_AGG(event ORDER BY received_at DESC LIMIT 1)[OFFSET(0)] "
                "AS last_event, ARRAY_AGG(id IGNORE NULLS ORDER BY received_at LIMIT 1)"
                "[SAFE_OFFSET(0)] AS first_id FROM `p.d.tracks` GROUP BY user_id "
                "ORDER BY user_id"),
      (Rows{{"u1", "buy", "1"}, {"u2", "signup", "3"}}));
  Reply typed = Query(
      "SELECT ARRAY_AGG(received_at ORDER BY id DESC LIMIT 1)[OFFSET(0)] AS last_at FROM "
      "`p.d.tracks`");
  EXPECT_EQ(ColumnType(typed, 0), "TIMESTAMP");
  Reply other = Query("SELECT ARRAY_AGG(id) AS ids FROM `p.d.tracks`");
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(other.Reason(), "invalidQuery");
}

}  // namespace
}  // namespace opentrack::emulator::testing

namespace opentrack::emulator::testing {
namespace {

// The shapes of the collector's analytics views (dedup, latest-per-id,
// sessions) run unchanged.
class ViewShapesTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    CreateDataset("d");
    CreateTable(
        "d", "tracks",
        R"([{"name":"id","type":"STRING"},{"name":"anonymous_id","type":"STRING"},)"
        R"({"name":"user_id","type":"STRING"},{"name":"timestamp","type":"TIMESTAMP"},)"
        R"({"name":"received_at","type":"TIMESTAMP"},{"name":"loaded_at","type":"TIMESTAMP"}])");
    ASSERT_EQ(
        InsertAll(
            "d", "tracks",
            R"({"rows":[)"
            R"({"json":{"id":"e1","anonymous_id":"a1","timestamp":"2024-01-01T00:00:00Z","received_at":"2024-01-01T00:00:00Z","loaded_at":"2024-01-01T00:00:01Z"}},)"
            R"({"json":{"id":"e1","anonymous_id":"a1","timestamp":"2024-01-01T00:00:00Z","received_at":"2024-01-01T00:00:00Z","loaded_at":"2024-01-01T00:00:02Z"}},)"
            R"({"json":{"id":"e2","anonymous_id":"a1","timestamp":"2024-01-01T00:10:00Z","received_at":"2024-01-01T00:10:00Z","loaded_at":"2024-01-01T00:10:01Z"}},)"
            R"({"json":{"id":"e3","anonymous_id":"a1","timestamp":"2024-01-01T02:00:00Z","received_at":"2024-01-01T02:00:00Z","loaded_at":"2024-01-01T02:00:01Z"}}]})")
            .body,
        R"({"kind":"bigquery#tableDataInsertAllResponse"})");
  }
};

TEST_F(ViewShapesTest, DedupLatestAndSessions) {
  ASSERT_EQ(Query(R"sql(CREATE OR REPLACE VIEW `p.d.tracks_view` AS
SELECT * EXCEPT (ROW_NUMBER) FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY loaded_at DESC) ROW_NUMBER
  FROM `p.d.tracks`
  WHERE _PARTITIONTIME BETWEEN
    TIMESTAMP_TRUNC(TIMESTAMP_MICROS(UNIX_MICROS(CURRENT_TIMESTAMP()) - 7 * 60 * 60 * 24 * 1000000), DAY, 'UTC')
    AND TIMESTAMP_TRUNC(CURRENT_TIMESTAMP(), DAY, 'UTC'))
WHERE ROW_NUMBER = 1)sql")
                .status,
            200);
  Reply dedup = Query("SELECT id, loaded_at FROM `p.d.tracks_view` ORDER BY id");
  EXPECT_EQ(dedup.json.Find("rows")->Dump(),
            R"([{"f":[{"v":"e1"},{"v":"1.704067202E9"}]},{"f":[{"v":"e2"},{"v":"1.704067801E9"}]},)"
            R"({"f":[{"v":"e3"},{"v":"1.704074401E9"}]}])");
  EXPECT_EQ(dedup.json.Find("schema")->Find("fields")->items()[1].GetString("type"), "TIMESTAMP");
  EXPECT_EQ(QueryRows(R"sql(SELECT * EXCEPT (_latest_rank) FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY received_at DESC, loaded_at DESC) AS _latest_rank
  FROM `p.d.tracks`)
WHERE _latest_rank = 1 ORDER BY id)sql")
                .size(),
            3u);
  Reply sessions = Query(R"sql(WITH keyed AS (
  SELECT *, COALESCE(anonymous_id, user_id) AS session_key
  FROM `p.d.tracks_view`
  WHERE COALESCE(anonymous_id, user_id) IS NOT NULL AND timestamp IS NOT NULL
),
with_previous AS (
  SELECT *, LAG(timestamp) OVER (PARTITION BY session_key ORDER BY timestamp, id) AS previous_timestamp
  FROM keyed
),
marked AS (
  SELECT *,
    IF(previous_timestamp IS NULL
       OR TIMESTAMP_DIFF(timestamp, previous_timestamp, SECOND) >= 30 * 60, 1, 0) AS session_start
  FROM with_previous
),
numbered AS (
  SELECT *, SUM(session_start) OVER (PARTITION BY session_key ORDER BY timestamp, id) AS session_number
  FROM marked
)
SELECT * EXCEPT (previous_timestamp, session_start),
  CONCAT(session_key, '-', CAST(session_number AS STRING)) AS session_id
FROM numbered)sql");
  ASSERT_EQ(sessions.status, 200) << sessions.body;
  std::vector<std::string> names;
  for (const Json& f : sessions.json.Find("schema")->Find("fields")->items()) {
    names.push_back(f.GetString("name") + ":" + f.GetString("type"));
  }
  EXPECT_THAT(names, ::testing::ElementsAre("id:STRING", "anonymous_id:STRING", "user_id:STRING",
                                            "timestamp:TIMESTAMP", "received_at:TIMESTAMP",
                                            "loaded_at:TIMESTAMP", "session_key:STRING",
                                            "session_number:INTEGER", "session_id:STRING"));
  std::vector<std::string> ids;
  for (const Json& row : sessions.json.Find("rows")->items()) {
    ids.push_back(row.Find("f")->items().back().GetString("v"));
  }
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre("a1-1", "a1-1", "a1-2"));
}

}  // namespace
}  // namespace opentrack::emulator::testing
