#include "loader/loader.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/spooled_event.h"
#include "row_writer/streaming_row_writer.h"
#include "row_writer/table_quarantine_sink.h"
#include "spool/mem_env.h"
#include "table_manager/fake_bigquery_client.h"
#include "table_manager/table_manager.h"

namespace opentrack::loader {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Method = table_manager::FakeBigQueryClient::Method;

constexpr char kDir[] = "/spool";

// A normalized event of `type` with messageId `id` and the given extra
// members (JSON text without braces).
std::string Event(const std::string& type, const std::string& id, const std::string& extra) {
  return R"({"type":")" + type + R"(","messageId":")" + id +
         R"(","receivedAt":"2024-01-01T00:05:10.000000Z",)"
         R"("timestamp":"2024-01-01T00:05:00.000000Z",)"
         R"("originalTimestamp":"2024-01-01T00:00:00.000000Z",)" +
         extra + "}";
}

std::string Track(const std::string& id, const std::string& event,
                  const std::string& properties) {
  return Event("track", id,
               R"("anonymousId":"a1","event":")" + event + R"(","properties":)" + properties);
}

class LoaderTest : public ::testing::Test {
 protected:
  LoaderTest() : fake_(&clock_) {
    options_.destinations["web"] = {"p", "web"};
    options_.read_wait = absl::ZeroDuration();
    options_.clock = &clock_;
    OpenSpool(&env_);
    table_manager::TableManagerOptions tm;
    tm.clock = &clock_;
    tables_ = std::make_unique<table_manager::TableManager>(&fake_, tm);
    row_writer::StreamingRowWriterOptions rw;
    rw.clock = &clock_;
    sink_ = std::make_unique<row_writer::TableQuarantineSink>(&fake_, tables_.get(), rw);
    writer_ = std::make_unique<row_writer::StreamingRowWriter>(&fake_, tables_.get(), sink_.get(),
                                                               rw);
    batch_writer_ = std::make_unique<BatchWriter>(tables_.get(), writer_.get(), sink_.get());
  }

  void OpenSpool(spool::Env* env) {
    spool::SpoolOptions so;
    so.directory = kDir;
    auto spool = spool::Spool::Open(so, env);
    ASSERT_TRUE(spool.ok()) << spool.status();
    spool_ = *std::move(spool);
  }

  Loader& MakeLoader() {
    loader_ = std::make_unique<Loader>(options_, spool_.get(), batch_writer_.get());
    return *loader_;
  }

  void Append(const std::vector<std::string>& events, std::string_view source = "web") {
    std::vector<std::string> records;
    for (const auto& e : events) records.push_back(EncodeSpooledEvent(source, e));
    ASSERT_TRUE(spool_->AppendAndWait(records).ok());
  }

  // Reads whatever is there, then lets batches age and writes them.
  void RunUntilWritten() {
    ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
    clock_.Advance(options_.batch_max_age);
    ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  }

  std::vector<std::string> InsertIds(std::string_view table) {
    std::vector<std::string> ids;
    for (const auto& row : fake_.Rows({"p", "web", std::string(table)})) {
      ids.push_back(row.insert_id);
    }
    return ids;
  }

  std::vector<std::string> Columns(std::string_view table) {
    std::vector<std::string> out;
    auto t = fake_.PeekTable({"p", "web", std::string(table)});
    if (!t) return out;
    for (const auto& f : t->schema) out.push_back(absl::StrCat(f.name, ":", f.type));
    return out;
  }

  uint64_t UnackedRecords() { return spool_->Stats().unacked_records; }

  FakeClock clock_;
  spool::MemEnv env_;
  table_manager::FakeBigQueryClient fake_;
  LoaderOptions options_;
  std::unique_ptr<spool::Spool> spool_;
  std::unique_ptr<table_manager::TableManager> tables_;
  std::unique_ptr<row_writer::TableQuarantineSink> sink_;
  std::unique_ptr<row_writer::StreamingRowWriter> writer_;
  std::unique_ptr<BatchWriter> batch_writer_;
  std::unique_ptr<Loader> loader_;
};

TEST_F(LoaderTest, EveryEventTypeEndsInItsTables) {
  Append({
      Track("t1", "Order Completed", R"({"total":99.99,"orderId":"A1"})"),
      Event("identify", "i1", R"("userId":"u1","anonymousId":"a1","traits":{"email":"x@y.z"})"),
      Event("page", "p1", R"("anonymousId":"a1","name":"Home","properties":{"url":"/"})"),
      Event("screen", "s1", R"("userId":"u1","name":"Feed","properties":{"Feed Type":"private"})"),
      Event("group", "g1", R"("userId":"u1","groupId":"g9","traits":{"employeeCount":420})"),
      Event("alias", "al1", R"("userId":"u2","previousId":"a1")"),
  });
  MakeLoader();
  RunUntilWritten();

  EXPECT_THAT(InsertIds("tracks"), ElementsAre("t1"));
  EXPECT_THAT(InsertIds("order_completed"), ElementsAre("t1"));
  EXPECT_THAT(InsertIds("identifies"), ElementsAre("i1"));
  EXPECT_THAT(InsertIds("users"), ElementsAre("i1"));
  EXPECT_THAT(InsertIds("pages"), ElementsAre("p1"));
  EXPECT_THAT(InsertIds("screens"), ElementsAre("s1"));
  EXPECT_THAT(InsertIds("groups"), ElementsAre("g1"));
  EXPECT_THAT(InsertIds("accounts"), ElementsAre("g1"));
  EXPECT_THAT(InsertIds("aliases"), ElementsAre("al1"));

  EXPECT_THAT(Columns("order_completed"),
              ElementsAre("id:STRING", "anonymous_id:STRING", "received_at:TIMESTAMP",
                          "original_timestamp:TIMESTAMP", "timestamp:TIMESTAMP",
                          "uuid_ts:TIMESTAMP", "loaded_at:TIMESTAMP", "event:STRING",
                          "event_text:STRING", "total:FLOAT", "order_id:STRING"));
  EXPECT_THAT(Columns("accounts"),
              ElementsAre("id:STRING", "received_at:TIMESTAMP", "uuid_ts:TIMESTAMP",
                          "loaded_at:TIMESTAMP", "employee_count:INTEGER"));
  auto rows = fake_.Rows({"p", "web", "order_completed"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].json,
            R"({"id":"t1","anonymous_id":"a1","received_at":"2024-01-01T00:05:10.000000Z",)"
            R"("original_timestamp":"2024-01-01T00:00:00.000000Z",)"
            R"("timestamp":"2024-01-01T00:05:00.000000Z",)"
            R"("uuid_ts":"2023-11-14T22:13:20.000000Z","loaded_at":"2023-11-14T22:13:20.000000Z",)"
            R"("event":"order_completed","event_text":"Order Completed","total":99.99,)"
            R"("order_id":"A1"})");
  EXPECT_EQ(UnackedRecords(), 0u);
  LoaderStats stats = loader_->Stats();
  EXPECT_EQ(stats.records_read, 6u);
  EXPECT_EQ(stats.rows_written, 11u);
  EXPECT_EQ(stats.rows_in_flight, 0u);
  EXPECT_EQ(stats.rows_written_by_table["p:web.users"], 1u);
  EXPECT_EQ(loader_->KnownTables().size(), 9u);
}

}  // namespace
}  // namespace opentrack::loader
