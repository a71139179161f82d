// ApplyViews against the project's BigQuery emulator: the generated SQL must
// run, and the views must dedupe and sessionize as documented.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "bigquery/client_factory.h"
#include "common/clock.h"
#include "common/time_format.h"
#include "emulator/emulator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "views/apply_views.h"

namespace opentrack::views {
namespace {

using ::testing::ElementsAre;

bigquery::Field F(std::string name, std::string type) {
  bigquery::Field f;
  f.name = std::move(name);
  f.type = std::move(type);
  return f;
}

class ViewsEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator::EmulatorOptions emulator_options;
    auto emulator = emulator::Emulator::Start(emulator_options);
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    emulator_ = *std::move(emulator);
    bigquery::ClientOptions options;
    options.emulator_host = "127.0.0.1:" + std::to_string(emulator_->port());
    options.clock = &retry_clock_;  // retry waits pass instantly
    options.jitter = [] { return 0.5; };
    auto client = bigquery::MakeBigQueryClient(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    ASSERT_TRUE(client_->InsertDataset({"proj", "web", "US", ""}).ok());
  }

  void CreateTable(const std::string& name, std::vector<bigquery::Field> schema) {
    bigquery::Table t;
    t.ref = {"proj", "web", name};
    t.schema = std::move(schema);
    t.time_partitioning = bigquery::TimePartitioning{};  // ingestion-time DAY
    auto created = client_->InsertTable(t);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  void Insert(const std::string& table, std::vector<bigquery::InsertRow> rows) {
    auto result = client_->InsertAll({"proj", "web", table}, rows, {});
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_TRUE(result->row_errors.empty()) << result->row_errors[0].message;
  }

  std::vector<std::vector<std::optional<std::string>>> Query(const std::string& sql) {
    bigquery::QueryRequest request;
    request.project_id = "proj";
    request.query = sql;
    auto result = client_->Query(request);
    EXPECT_TRUE(result.ok()) << result.status() << "\n" << sql;
    if (!result.ok()) return {};
    return result->rows;
  }

  // Minutes after a base time an hour ago, so every row is in today's window.
  std::string At(int minutes) { return FormatTimestampMicros(base_ + absl::Minutes(minutes)); }

  FakeClock retry_clock_;
  absl::Time base_ = absl::Now() - absl::Hours(2);
  std::unique_ptr<emulator::Emulator> emulator_;
  std::unique_ptr<bigquery::BigQueryClient> client_;
};

TEST_F(ViewsEmulatorTest, DedupSessionsAndLatestUsers) {
  CreateTable("users", {F("id", "STRING"), F("received_at", "TIMESTAMP"),
                        F("loaded_at", "TIMESTAMP"), F("email", "STRING")});
  CreateTable("tracks", {F("id", "STRING"), F("anonymous_id", "STRING"), F("user_id", "STRING"),
                         F("event", "STRING"), F("timestamp", "TIMESTAMP"),
                         F("received_at", "TIMESTAMP"), F("loaded_at", "TIMESTAMP")});
  // u1 identified twice; the later load wins.
  Insert("users", {{"m1", R"({"id":"u1","received_at":")" + At(0) + R"(","loaded_at":")" + At(1) +
                              R"(","email":"old@x.io"})"},
                   {"m2", R"({"id":"u1","received_at":")" + At(5) + R"(","loaded_at":")" + At(6) +
                              R"(","email":"new@x.io"})"},
                   {"m3", R"({"id":"u2","received_at":")" + At(5) + R"(","loaded_at":")" + At(6) +
                              R"(","email":"two@x.io"})"}});
  // a1: events at 0, 10, 45 (a 35-minute gap: new session) and 50 minutes;
  // e2 loaded twice (a redelivery after a crash).
  auto track = [&](const std::string& id, int minute, int loaded) {
    return bigquery::InsertRow{id + "-" + std::to_string(loaded),
                               R"({"id":")" + id +
                                   R"(","anonymous_id":"a1","event":"clicked","timestamp":")" +
                                   At(minute) + R"(","received_at":")" + At(minute) +
                                   R"(","loaded_at":")" + At(loaded) + R"("})"};
  };
  Insert("tracks", {track("e1", 0, 1), track("e2", 10, 11), track("e2", 10, 12),
                    track("e3", 45, 46), track("e4", 50, 51)});

  ViewsOptions options;
  options.project_id = "proj";
  options.dataset_id = "web";
  options.location = "";
  absl::Status applied = ApplyViews(*client_, options);
  ASSERT_TRUE(applied.ok()) << applied;

  using Row = std::vector<std::optional<std::string>>;
  EXPECT_THAT(Query("SELECT id, email FROM `proj.web.users_view` ORDER BY id"),
              ElementsAre(Row{"u1", "new@x.io"}, Row{"u2", "two@x.io"}));
  EXPECT_THAT(Query("SELECT id, email FROM `proj.web_analytics.users` ORDER BY id"),
              ElementsAre(Row{"u1", "new@x.io"}, Row{"u2", "two@x.io"}));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM `proj.web.tracks`"), ElementsAre(Row{"5"}));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM `proj.web.tracks_view`"), ElementsAre(Row{"4"}));
  // The redelivered e2 keeps its later load.
  std::string latest_e2 =
      "SELECT loaded_at FROM `proj.web.tracks` WHERE id = 'e2' ORDER BY loaded_at DESC LIMIT 1";
  EXPECT_EQ(Query("SELECT loaded_at FROM `proj.web.tracks_view` WHERE id = 'e2'"),
            Query(latest_e2));
  EXPECT_THAT(Query("SELECT id, type, event FROM `proj.web_analytics.events_unified` ORDER BY id"),
              ElementsAre(Row{"e1", "track", "clicked"}, Row{"e2", "track", "clicked"},
                          Row{"e3", "track", "clicked"}, Row{"e4", "track", "clicked"}));
  EXPECT_THAT(Query("SELECT id, session_number, session_id FROM "
                    "`proj.web_analytics.session_events` ORDER BY timestamp"),
              ElementsAre(Row{"e1", "1", "a1-1"}, Row{"e2", "1", "a1-1"}, Row{"e3", "2", "a1-2"},
                          Row{"e4", "2", "a1-2"}));
}

}  // namespace
}  // namespace opentrack::views
