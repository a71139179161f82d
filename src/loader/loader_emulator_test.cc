// The whole delivery path for real: spool -> loader -> table manager -> row
// writer -> REST client -> the BigQuery emulator, then the views over it.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bigquery/client_factory.h"
#include "common/clock.h"
#include "common/uuid.h"
#include "emulator/emulator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/loader.h"
#include "loader/spooled_event.h"
#include "loader/spooled_request.h"
#include "row_writer/streaming_row_writer.h"
#include "row_writer/table_quarantine_sink.h"
#include "spool/mem_env.h"
#include "table_manager/table_manager.h"
#include "views/apply_views.h"

namespace opentrack::loader {
namespace {

using ::testing::ElementsAre;
using Row = std::vector<std::optional<std::string>>;

std::string Event(const std::string& type, const std::string& id, const std::string& minute,
                  const std::string& extra) {
  const std::string ts = "2024-01-01T00:" + minute + ":00.000000Z";
  return R"({"type":")" + type + R"(","messageId":")" + id + R"(","receivedAt":")" + ts +
         R"(","timestamp":")" + ts + R"(","originalTimestamp":")" + ts + R"(",)" + extra + "}";
}

class LoaderEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator::EmulatorOptions eo;
    eo.enforce_quotas = false;  // the table manager paces on a fake clock
    auto emulator = emulator::Emulator::Start(eo);
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    emulator_ = *std::move(emulator);
    bigquery::ClientOptions co;
    co.emulator_host = "127.0.0.1:" + std::to_string(emulator_->port());
    co.clock = &clock_;
    co.jitter = [] { return 0.5; };
    auto client = bigquery::MakeBigQueryClient(co);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);

    spool::SpoolOptions so;
    so.directory = "/spool";
    auto spool = spool::Spool::Open(so, &env_);
    ASSERT_TRUE(spool.ok()) << spool.status();
    spool_ = *std::move(spool);

    table_manager::TableManagerOptions tm;
    tm.clock = &clock_;
    tables_ = std::make_unique<table_manager::TableManager>(client_.get(), tm);
    row_writer::StreamingRowWriterOptions rw;
    rw.clock = &clock_;
    sink_ = std::make_unique<row_writer::TableQuarantineSink>(client_.get(), tables_.get(), rw);
    writer_ = std::make_unique<row_writer::StreamingRowWriter>(client_.get(), tables_.get(),
                                                               sink_.get(), rw);
    batch_writer_ = std::make_unique<BatchWriter>(tables_.get(), writer_.get(), sink_.get());
    LoaderOptions lo;
    lo.destinations["web"] = {"proj", "web"};
    lo.clock = &clock_;
    loader_ = std::make_unique<Loader>(lo, spool_.get(), batch_writer_.get());
  }

  Row::value_type Cell(const std::string& sql) {
    auto rows = Query(sql);
    if (rows.size() != 1 || rows[0].size() != 1) return std::nullopt;
    return rows[0][0];
  }

  std::vector<Row> Query(const std::string& sql) {
    bigquery::QueryRequest request;
    request.project_id = "proj";
    request.query = sql;
    auto result = client_->Query(request);
    EXPECT_TRUE(result.ok()) << result.status() << "\n" << sql;
    if (!result.ok()) return {};
    return result->rows;
  }

  FakeClock clock_;
  spool::MemEnv env_;
  std::unique_ptr<emulator::Emulator> emulator_;
  std::unique_ptr<bigquery::BigQueryClient> client_;
  std::unique_ptr<spool::Spool> spool_;
  std::unique_ptr<table_manager::TableManager> tables_;
  std::unique_ptr<row_writer::TableQuarantineSink> sink_;
  std::unique_ptr<row_writer::StreamingRowWriter> writer_;
  std::unique_ptr<BatchWriter> batch_writer_;
  std::unique_ptr<Loader> loader_;
};

TEST_F(LoaderEmulatorTest, EventsReachTheirTablesAndTheViewsReadThem) {
  std::vector<std::string> events = {
      Event("identify", "i1", "00", R"("userId":"u1","anonymousId":"a1","traits":{"plan":"pro"})"),
      Event("track", "t1", "01",
            R"("anonymousId":"a1","event":"Order Completed","properties":{"total":9.5,"n":2})"),
      Event("page", "p1", "40", R"("anonymousId":"a1","name":"Home","properties":{"url":"/"})"),
      Event("track", "t2", "41",
            R"("anonymousId":"a1","event":"Order Completed",)"
            R"("properties":{"total":1.25,"coupon":"X"})"),
      "{broken",
  };
  std::vector<std::string> records;
  for (const auto& e : events) records.push_back(EncodeSpooledEvent("web", e));
  ASSERT_TRUE(spool_->AppendAndWait(records).ok());

  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  absl::Status stopped = loader_->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped;
  EXPECT_EQ(spool_->Stats().unacked_records, 0u);

  EXPECT_EQ(Cell("SELECT COUNT(*) FROM `proj.web.tracks`"), "2");
  EXPECT_THAT(
      Query("SELECT id, total, n, coupon FROM `proj.web.order_completed` ORDER BY id"),
      ElementsAre(Row{"t1", "9.5", "2", std::nullopt}, Row{"t2", "1.25", std::nullopt, "X"}));
  EXPECT_THAT(Query("SELECT id, plan FROM `proj.web.users`"), ElementsAre(Row{"u1", "pro"}));
  EXPECT_EQ(Cell("SELECT COUNT(*) FROM `proj.web.pages`"), "1");
  EXPECT_THAT(Query("SELECT reason, table_name FROM `proj.web._opentrack_rejected`"),
              ElementsAre(Row{"invalid_event", ""}));  // no table: the event has none

  views::ViewsOptions vo;
  vo.project_id = "proj";
  vo.dataset_id = "web";
  vo.location = "";
  for (const auto& ref : loader_->KnownTables()) vo.tables.push_back(ref.table_id);
  absl::Status applied = views::ApplyViews(*client_, vo);
  ASSERT_TRUE(applied.ok()) << applied;
  EXPECT_EQ(Cell("SELECT COUNT(*) FROM `proj.web.order_completed_view`"), "2");
  EXPECT_THAT(Query("SELECT id, type, session_number FROM `proj.web_analytics.session_events` "
                    "ORDER BY timestamp, id"),
              ElementsAre(Row{"i1", "identify", "1"}, Row{"t1", "track", "1"},
                          Row{"p1", "page", "2"}, Row{"t2", "track", "2"}));
  EXPECT_THAT(Query("SELECT identity_id, user_id FROM `proj.web_analytics.identity_map`"),
              ElementsAre(Row{"a1", "u1"}));
}

// The collector's request records: the body normalized by the loader, the
// events it answered as rejected left out, ids from the record's seed.
TEST_F(LoaderEmulatorTest, RequestRecordsAreNormalizedAndLoaded) {
  const std::string body =
      R"({"batch":[{"type":"identify","userId":"u1","traits":{"plan":"pro"}},)"
      R"({"type":"track","anonymousId":"a1","event":"Order Completed","properties":{"total":9.5}},)"
      R"({"type":"track","event":"No User"}]})";
  SpooledRequest request;
  request.endpoint = segment::Endpoint::kBatch;
  request.received_at = absl::FromUnixSeconds(1704067510);  // 2024-01-01T00:05:10Z
  request.message_id_seed = {7, 8};
  request.source = "web";
  request.client_ip = "203.0.113.7";
  request.rejected_indexes = {2};
  request.body = body;
  absl::StatusOr<std::string> header = EncodeSpooledRequestHeader(request);
  ASSERT_TRUE(header.ok()) << header.status();
  ASSERT_TRUE(spool_->AppendAndWait(*header, {body}).ok());
  ASSERT_TRUE(spool_
                  ->AppendAndWait({EncodeSpooledEvent(
                      "web", Event("page", "p1", "40", R"("anonymousId":"a1")"))})
                  .ok());

  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  absl::Status stopped = loader_->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped;
  EXPECT_EQ(spool_->Stats().unacked_records, 0u);

  EXPECT_THAT(Query("SELECT id, plan FROM `proj.web.users`"), ElementsAre(Row{"u1", "pro"}));
  EXPECT_THAT(Query("SELECT id FROM `proj.web.identifies`"),
              ElementsAre(Row{UuidFromSeed({7, 8}, 0)}));
  EXPECT_THAT(Query("SELECT id, total, context_ip FROM `proj.web.order_completed`"),
              ElementsAre(Row{UuidFromSeed({7, 8}, 1), "9.5", "203.0.113.7"}));
  EXPECT_EQ(Cell("SELECT COUNT(*) FROM `proj.web.tracks`"), "1");
  EXPECT_EQ(Cell("SELECT COUNT(*) FROM `proj.web.pages`"), "1");
}

}  // namespace
}  // namespace opentrack::loader
