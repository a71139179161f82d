// End-to-end for the other commands and modes: `views apply`, `query`,
// `transform`, several sources from a sources file, and load-job mode.
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/cluster.h"

namespace opentrack::e2e {
namespace {

using ::testing::HasSubstr;

std::string Table(const std::string& dataset, const std::string& name) {
  return absl::StrCat("`", kProject, ".", dataset, ".", name, "`");
}

// Runs `opentrack <args>` against the cluster's emulator; returns its output.
std::string RunCommand(Cluster& cluster, const std::vector<std::string>& args,
                       std::map<std::string, std::string> env = {}) {
  env.emplace("BIGQUERY_PROJECT_ID", kProject);
  env.emplace("BIGQUERY_DATASET", kDataset);
  env.emplace("BIGQUERY_EMULATOR_HOST", absl::StrCat("127.0.0.1:", cluster.emulator_port()));
  const std::string log = absl::StrCat(cluster.dir(), "/command-", args[0], ".log");
  std::remove(log.c_str());
  std::vector<std::string> argv = {OpentrackBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = TestProcess::Start(argv, env, log);
  EXPECT_TRUE(p.ok());
  const int status = p->Wait(absl::Seconds(120));
  EXPECT_EQ(status, 0) << ReadFileOrEmpty(log);
  return ReadFileOrEmpty(log);
}

TEST(CommandsTest, ViewsApplyAndQueryOverIngestedSampleEvents) {
  Cluster cluster;
  ASSERT_TRUE(cluster.StartEmulator().ok());
  ASSERT_TRUE(cluster.StartCollector().ok());
  const std::vector<std::string> events = SampleEvents();
  ASSERT_EQ(events.size(), 1000u) << "the shared sample at " << OPENTRACK_SAMPLE_EVENTS;
  for (size_t i = 0; i < events.size(); i += 100) {
    auto resp = cluster.Post("/v1/batch", BatchBody(events, i, i + 100));
    ASSERT_TRUE(resp.ok());
    ASSERT_EQ(resp->status, 200);
  }
  // Send the first batch again: duplicates in the tables, not in the views.
  ASSERT_EQ(cluster.Post("/v1/batch", BatchBody(events, 0, 100))->status, 200);
  auto tracks = cluster.WaitForCount(
      absl::StrCat("SELECT COUNT(DISTINCT id) FROM ", Table(kDataset, "tracks")), 719,
      absl::Seconds(60));
  ASSERT_TRUE(tracks.ok()) << tracks.status();
  auto pages = cluster.WaitForCount(
      absl::StrCat("SELECT COUNT(DISTINCT id) FROM ", Table(kDataset, "pages")), 141,
      absl::Seconds(60));
  ASSERT_TRUE(pages.ok()) << pages.status();

  const std::string applied = RunCommand(cluster, {"views", "apply"});
  EXPECT_THAT(applied, HasSubstr("views applied for source default (dataset e2e)"));

  // The dedup view has one row per id however often it was loaded.
  auto dedup = cluster.Query(
      absl::StrCat("SELECT COUNT(*), COUNT(DISTINCT id) FROM ", Table(kDataset, "tracks_view")));
  ASSERT_TRUE(dedup.ok()) << dedup.status();
  EXPECT_EQ(dedup->rows[0][0], "719");
  EXPECT_EQ(dedup->rows[0][1], "719");
  auto product_view =
      cluster.Query(absl::StrCat("SELECT COUNT(*) FROM ", Table(kDataset, "product_added_view")));
  ASSERT_TRUE(product_view.ok()) << product_view.status();

  const std::string analytics = absl::StrCat(kDataset, "_analytics");
  auto unified =
      cluster.Query(absl::StrCat("SELECT COUNT(*) FROM ", Table(analytics, "events_unified")));
  ASSERT_TRUE(unified.ok()) << unified.status();
  EXPECT_EQ(unified->rows[0][0], "1000");
  auto sessions = cluster.Query(absl::StrCat("SELECT COUNT(*), COUNT(DISTINCT session_id) FROM ",
                                             Table(analytics, "session_events")));
  ASSERT_TRUE(sessions.ok()) << sessions.status();
  EXPECT_EQ(sessions->rows[0][0], "1000");
  auto users = cluster.Query(absl::StrCat("SELECT COUNT(*) FROM ", Table(analytics, "users")));
  ASSERT_TRUE(users.ok()) << users.status();

  const std::string queried = RunCommand(
      cluster, {"query", "--json",
                absl::StrCat("SELECT event, COUNT(*) AS n FROM ", Table(kDataset, "tracks_view"),
                             " WHERE event = 'product_added' GROUP BY event")});
  EXPECT_THAT(queried, HasSubstr(R"({"event":"product_added","n":")"));
}

TEST(CommandsTest, TransformPrintsRowsForTheSampleEvents) {
  Cluster cluster;  // only for its temp dir
  const std::string out = absl::StrCat(cluster.dir(), "/transform.log");
  auto p = TestProcess::Start({OpentrackBinary(), "transform", OPENTRACK_SAMPLE_EVENTS,
                               "--received-at", "2024-06-01T00:00:01Z", "--schemas"},
                              {}, out);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->Wait(absl::Seconds(60)), 0) << ReadFileOrEmpty(out);
  const std::string text = ReadFileOrEmpty(out);
  size_t rows = 0;
  for (size_t pos = 0; (pos = text.find("{\"table\":", pos)) != std::string::npos; ++pos) ++rows;
  EXPECT_GT(rows, 1700u);  // 1.86 rows per event
  EXPECT_THAT(text, HasSubstr(R"({"name":"context_user_agent_data_brands","type":"STRING"})"));
  EXPECT_THAT(text, HasSubstr(R"("received_at":"2024-06-01T00:00:01.000000Z")"));
}

TEST(CommandsTest, SourcesFileRoutesEachWriteKeyToItsDataset) {
  Cluster cluster;
  ASSERT_TRUE(cluster.StartEmulator().ok());
  const std::string sources = absl::StrCat(cluster.dir(), "/sources.json");
  std::ofstream(sources) << R"({"sources":[
      {"name":"web","write_key":")"
                         << kWriteKey << R"(","dataset":"web_prod"},
      {"name":"ios","write_key":"ios-key","dataset":"ios_prod"}]})";
  ASSERT_TRUE(cluster.StartCollector({{"OPENTRACK_SOURCES_FILE", sources}}).ok())
      << cluster.CollectorLog();
  ASSERT_EQ(
      cluster.Post("/v1/track", R"({"userId":"u","messageId":"w1","event":"Web Event"})")->status,
      200);
  ASSERT_EQ(
      cluster
          .PostRaw("/v1/track",
                   R"({"userId":"u","messageId":"i1","event":"Ios Event","writeKey":"ios-key"})")
          ->status,
      200);
  EXPECT_TRUE(
      cluster
          .WaitForCount(absl::StrCat("SELECT COUNT(*) FROM ", Table("web_prod", "web_event")), 1,
                        absl::Seconds(30))
          .ok());
  EXPECT_TRUE(
      cluster
          .WaitForCount(absl::StrCat("SELECT COUNT(*) FROM ", Table("ios_prod", "ios_event")), 1,
                        absl::Seconds(30))
          .ok());
}

TEST(CommandsTest, LoadJobModeLoadsEveryTable) {
  Cluster cluster;
  ASSERT_TRUE(cluster.StartEmulator().ok());
  ASSERT_TRUE(cluster
                  .StartCollector(
                      {{"OPENTRACK_LOAD_MODE", "load_jobs"}, {"OPENTRACK_BATCH_MAX_AGE_MS", "500"}})
                  .ok());
  const std::vector<std::string> events = SampleEvents();
  ASSERT_EQ(events.size(), 1000u) << "the shared sample at " << OPENTRACK_SAMPLE_EVENTS;
  for (size_t i = 0; i < events.size(); i += 250) {
    ASSERT_EQ(cluster.Post("/v1/batch", BatchBody(events, i, i + 250))->status, 200);
  }
  auto tracks = cluster.WaitForCount(
      absl::StrCat("SELECT COUNT(DISTINCT id) FROM ", Table(kDataset, "tracks")), 719,
      absl::Seconds(240));
  EXPECT_TRUE(tracks.ok()) << tracks.status() << "\n" << cluster.CollectorLog();
  auto identifies = cluster.WaitForCount(
      absl::StrCat("SELECT COUNT(DISTINCT id) FROM ", Table(kDataset, "identifies")), 91,
      absl::Seconds(240));
  EXPECT_TRUE(identifies.ok()) << identifies.status();
}

}  // namespace
}  // namespace opentrack::e2e
