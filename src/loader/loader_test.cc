#include "loader/loader.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/loader_test_util.h"

namespace opentrack::loader {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Method = table_manager::FakeBigQueryClient::Method;
using testing::Event;
using testing::LoaderTest;
using testing::Track;

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

  ExpectOneOfEachTypeRouted();

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
  EXPECT_EQ(stats.rows_written, 9u);
  EXPECT_EQ(stats.rows_in_flight, 0u);
  EXPECT_EQ(stats.rows_written_by_table["p:web.users"], 1u);
  EXPECT_EQ(loader_->KnownTables().size(), 9u);
}

TEST_F(LoaderTest, ReportsMetrics) {
  metrics::Registry registry;
  options_.metrics = &registry;
  fake_.FailNext(Method::kInsertAll, absl::UnavailableError("backend error"), 1);
  Append({Track("t1", "Signed Up", "{}"), "{not json"});
  MakeLoader();
  RunUntilWritten();
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  std::string text = registry.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("opentrack_loader_records_read_total 2\n"));
  EXPECT_THAT(text, HasSubstr("opentrack_loader_events_rejected_total 1\n"));
  EXPECT_THAT(text, HasSubstr("opentrack_loader_rows_quarantined_total 1\n"));
  EXPECT_THAT(text, HasSubstr("opentrack_loader_write_failures_total 1\n"));
  EXPECT_THAT(text, HasSubstr("opentrack_loader_batches_written_total 2\n"));
  EXPECT_THAT(text,
              HasSubstr(R"(opentrack_loader_rows_written_total{dataset="web",table="tracks"} 1)"));
  EXPECT_THAT(text, HasSubstr("opentrack_loader_rows_in_flight 0\n"));
  EXPECT_THAT(text, HasSubstr("opentrack_loader_spool_unacked_records 0\n"));
}

TEST_F(LoaderTest, FullBatchIsWrittenAtOnceAndAckWaitsForTheInterval) {
  options_.batch_max_rows = 2;
  std::vector<std::string> events;
  for (int i = 1; i <= 5; ++i) {
    events.push_back(Track(absl::StrCat("s", i), "Signed Up", R"({"plan":"pro"})"));
  }
  Append(events);
  MakeLoader();
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("s1", "s2", "s3", "s4"));
  EXPECT_THAT(InsertIds("signed_up"), ElementsAre("s1", "s2", "s3", "s4"));
  EXPECT_THAT(fake_.InsertAllBatchSizes(), ElementsAre(2, 2, 2, 2));
  EXPECT_FALSE(loader_->Stats().acked.has_value());  // ack_interval not yet passed
  EXPECT_EQ(UnackedRecords(), 5u);

  clock_.Advance(options_.batch_max_age);
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("s1", "s2", "s3", "s4", "s5"));
  EXPECT_EQ(UnackedRecords(), 0u);
  EXPECT_EQ(loader_->Stats().batches_written, 6u);
}

TEST_F(LoaderTest, PartialBatchWaitsForMaxAge) {
  Append({Track("t1", "Signed Up", "{}")});
  MakeLoader();
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  clock_.Advance(absl::Milliseconds(999));
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(fake_.Calls(Method::kInsertAll), 0);
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("t1"));
}

TEST_F(LoaderTest, CrashBeforeAckRedeliversWithTheSameInsertIds) {
  options_.ack_interval = absl::Hours(1);
  Append({Track("c1", "Signed Up", "{}"), Track("c2", "Signed Up", "{}")});
  MakeLoader();
  RunUntilWritten();
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("c1", "c2"));
  EXPECT_EQ(UnackedRecords(), 2u);

  CrashAndRestart();
  RunUntilWritten();
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("c1", "c2", "c1", "c2"));
  EXPECT_THAT(InsertIds("signed_up"), ElementsAre("c1", "c2", "c1", "c2"));

  ASSERT_TRUE(loader_->Stop().ok());  // acks whatever is delivered
  EXPECT_EQ(UnackedRecords(), 0u);
}

TEST_F(LoaderTest, OutageLosesNothingAndAcksAfterRecovery) {
  Append({Track("o1", "Signed Up", "{}"), Track("o2", "Signed Up", "{}")});
  fake_.FailNext(Method::kInsertAll, absl::UnavailableError("backend error"), 3);
  MakeLoader();
  RunUntilWritten();  // signed_up fails, then tracks fails (tables go in name order)
  LoaderStats stats = loader_->Stats();
  EXPECT_EQ(stats.write_failures, 2u);
  EXPECT_EQ(stats.rows_in_flight, 4u);
  EXPECT_EQ(UnackedRecords(), 2u);

  // Backoff: nothing is retried before a second has passed.
  clock_.Advance(absl::Milliseconds(999));
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(fake_.Calls(Method::kInsertAll), 2);
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());  // signed_up fails again
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("o1", "o2"));
  EXPECT_TRUE(InsertIds("signed_up").empty());
  EXPECT_EQ(UnackedRecords(), 2u);  // each record still has its signed_up row out

  clock_.Advance(absl::Milliseconds(1999));  // a second failure doubles the backoff
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  EXPECT_TRUE(InsertIds("signed_up").empty());
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  EXPECT_THAT(InsertIds("signed_up"), ElementsAre("o1", "o2"));
  EXPECT_EQ(UnackedRecords(), 0u);
  EXPECT_EQ(loader_->Stats().write_failures, 3u);
}

TEST_F(LoaderTest, BackpressureStopsReadingWhileRowsAreStuck) {
  options_.max_in_flight_rows = 2;
  options_.read_max_records = 1;
  fake_.FailNext(Method::kInsertAll, absl::UnavailableError("backend error"), 100);
  Append({Track("b1", "Signed Up", "{}"), Track("b2", "Signed Up", "{}")});
  MakeLoader();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
    clock_.Advance(absl::Seconds(5));
  }
  EXPECT_EQ(loader_->Stats().records_read, 1u);
  EXPECT_EQ(loader_->Stats().rows_in_flight, 2u);
  EXPECT_EQ(UnackedRecords(), 2u);
}

TEST_F(LoaderTest, NewPropertyAddsColumnsWithOnePatch) {
  MakeLoader();
  Append({Track("e1", "Signed Up", R"({"plan":"pro"})")});
  RunUntilWritten();
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 0);
  Append({Track("e2", "Signed Up", R"({"plan":"pro","seats":3,"trial":true})")});
  RunUntilWritten();
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 1);
  std::vector<std::string> columns = Columns("signed_up");
  ASSERT_GE(columns.size(), 3u);
  EXPECT_THAT(std::vector<std::string>(columns.end() - 3, columns.end()),
              ElementsAre("plan:STRING", "seats:INTEGER", "trial:BOOLEAN"));
  EXPECT_THAT(InsertIds("signed_up"), ElementsAre("e1", "e2"));
}

TEST_F(LoaderTest, TypeConflictGoesToASiblingColumn) {
  MakeLoader();
  Append({Track("q1", "Bought", R"({"quantity":2})")});
  RunUntilWritten();
  Append({Track("q2", "Bought", R"({"quantity":"lots"})")});
  RunUntilWritten();
  std::vector<std::string> columns = Columns("bought");
  EXPECT_THAT(std::vector<std::string>(columns.end() - 2, columns.end()),
              ElementsAre("quantity:INTEGER", "quantity_string:STRING"));
  auto rows = fake_.Rows({"p", "web", "bought"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[0].json, HasSubstr(R"("quantity":"2")"));
  EXPECT_THAT(rows[1].json, HasSubstr(R"("quantity_string":"lots")"));
  EXPECT_EQ(UnackedRecords(), 0u);
}

// Once a table's schema is known, events whose values all fit it are encoded
// at once (no planning), into exactly what the planner path wrote.
TEST_F(LoaderTest, EventsThatFitKnownSchemasAreEncodedDirectly) {
  Loader& loader = MakeLoader();
  Append({Track("e1", "Signed Up", R"({"plan":"pro","seats":3})")});
  RunUntilWritten();
  EXPECT_EQ(loader.Stats().rows_encoded_directly, 0u);
  Append({Track("e2", "Signed Up", R"({"plan":"pro","seats":3})"),
          Track("e3", "Signed Up", R"({"plan":"pro","seats":4.5})")});  // seats_float: new
  RunUntilWritten();
  EXPECT_EQ(loader.Stats().rows_encoded_directly, 2u);  // e2's tracks and signed_up rows
  Append({Track("e4", "Signed Up", R"({"plan":"pro","seats":5.5})")});  // seats_float exists
  RunUntilWritten();
  EXPECT_EQ(loader.Stats().rows_encoded_directly, 4u);

  auto rows = fake_.Rows({"p", "web", "signed_up"});
  ASSERT_EQ(rows.size(), 4u);
  std::map<std::string, std::string> json;
  for (const auto& row : rows) json[row.insert_id] = row.json;
  const auto without_load_time = [](std::string row) {
    for (const std::string key : {R"("uuid_ts":")", R"("loaded_at":")"}) {
      const size_t at = row.find(key);
      if (at != std::string::npos) row.erase(at + key.size(), 27);
    }
    return row;
  };
  EXPECT_EQ(without_load_time(json["e2"]),
            without_load_time(absl::StrReplaceAll(json["e1"], {{"\"e1\"", "\"e2\""}})));
  EXPECT_THAT(json["e4"], HasSubstr(R"("seats_float":5.5)"));
  EXPECT_THAT(InsertIds("tracks"), UnorderedElementsAre("e1", "e2", "e3", "e4"));
  EXPECT_EQ(UnackedRecords(), 0u);
}

// Directly encoded rows wait in one buffer per table; a batch written in
// parts sends each row once, in order, with its own bytes.
TEST_F(LoaderTest, EncodedRowsAreWrittenInPartsInOrder) {
  options_.batch_max_rows = 2;
  Loader& loader = MakeLoader();
  Append({Track("e0", "Signed Up", R"({"plan":"pro","seats":0})")});
  RunUntilWritten();  // the planner learns the tables
  std::vector<std::string> events;
  for (int i = 1; i <= 7; ++i) {
    events.push_back(Track(absl::StrCat("e", i), "Signed Up",
                           absl::StrCat(R"({"plan":"pro","seats":)", i, "}")));
  }
  Append(events);
  ASSERT_TRUE(loader.RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(loader.Stats().rows_encoded_directly, 14u);
  EXPECT_THAT(InsertIds("signed_up"), ElementsAre("e0", "e1", "e2", "e3", "e4", "e5", "e6"));
  Append({Track("e8", "Signed Up", R"({"plan":"pro","seats":8})")});  // after the kept e7
  RunUntilWritten();
  EXPECT_THAT(InsertIds("tracks"),
              ElementsAre("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"));
  const auto rows = fake_.Rows({"p", "web", "signed_up"});
  ASSERT_EQ(rows.size(), 9u);
  for (int i = 0; i <= 8; ++i) {
    EXPECT_EQ(rows[i].insert_id, absl::StrCat("e", i));
    EXPECT_THAT(rows[i].json, HasSubstr(absl::StrCat(R"("id":"e)", i, R"(")")));
    EXPECT_THAT(rows[i].json, HasSubstr(absl::StrCat(R"("seats":")", i, R"("})")));
  }
  EXPECT_EQ(UnackedRecords(), 0u);
}

// A failed write may mean the table changed behind the cached schema: the
// next events take the planner, and nothing is lost.
TEST_F(LoaderTest, FailedWriteForgetsTheKnownSchema) {
  Loader& loader = MakeLoader();
  Append({Track("e1", "Signed Up", R"({"plan":"pro"})")});
  RunUntilWritten();
  fake_.FailNext(Method::kInsertAll, absl::UnavailableError("down"), 2);
  Append({Track("e2", "Signed Up", R"({"plan":"pro"})")});
  ASSERT_TRUE(loader.RunOnce(absl::ZeroDuration()).ok());
  clock_.Advance(options_.batch_max_age);
  ASSERT_TRUE(loader.RunOnce(absl::ZeroDuration()).ok());  // the write fails
  EXPECT_EQ(loader.Stats().rows_encoded_directly, 2u);
  Append({Track("e3", "Signed Up", R"({"plan":"pro"})")});
  ASSERT_TRUE(loader.RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(loader.Stats().rows_encoded_directly, 2u);  // e3 went to the planner
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(loader.Flush().ok());
  EXPECT_THAT(InsertIds("signed_up"), UnorderedElementsAre("e1", "e2", "e3"));
  EXPECT_EQ(UnackedRecords(), 0u);
}

TEST_F(LoaderTest, ColumnAddedConcurrentlyWithAnotherTypeIsRespected) {
  MakeLoader();
  Append({Track("e1", "Signed Up", R"({"plan":"pro"})")});
  RunUntilWritten();
  // Another collector instance adds `seats` as STRING behind our schema cache.
  auto table = fake_.PeekTable({"p", "web", "signed_up"});
  ASSERT_TRUE(table.has_value());
  std::vector<bigquery::Field> schema = table->schema;
  schema.push_back({.name = "seats", .type = "STRING"});
  ASSERT_TRUE(fake_.PatchTableSchema(table->ref, schema, table->etag).ok());

  Append({Track("e2", "Signed Up", R"({"seats":3})")});
  RunUntilWritten();
  std::vector<std::string> columns = Columns("signed_up");
  EXPECT_EQ(columns.back(), "seats:STRING");
  auto rows = fake_.Rows({"p", "web", "signed_up"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[1].json, HasSubstr(R"("seats":"3")"));
  EXPECT_EQ(UnackedRecords(), 0u);
}

TEST_F(LoaderTest, UnstorableRowsAndInvalidEventsAreQuarantinedAndAcked) {
  // quantity and its string sibling are both taken by INTEGER columns.
  ASSERT_TRUE(fake_.InsertDataset({"p", "web", "US", ""}).ok());
  bigquery::Table bought;
  bought.ref = {"p", "web", "bought"};
  bought.schema = {{.name = "quantity", .type = "INTEGER"},
                   {.name = "quantity_string", .type = "INTEGER"}};
  ASSERT_TRUE(fake_.InsertTable(bought).ok());

  Append({Track("q1", "Bought", R"({"quantity":"lots"})"), "{not json"});
  MakeLoader();
  RunUntilWritten();

  EXPECT_THAT(InsertIds("tracks"), ElementsAre("q1"));
  EXPECT_TRUE(InsertIds("bought").empty());
  auto rejected = fake_.Rows({"p", "web", "_opentrack_rejected"});
  ASSERT_EQ(rejected.size(), 2u);
  std::string all = rejected[0].json + rejected[1].json;
  EXPECT_THAT(all, HasSubstr(R"("table_name":"bought")"));
  EXPECT_THAT(all, HasSubstr(R"("reason":"type_conflict")"));
  EXPECT_THAT(all, HasSubstr(R"("reason":"invalid_event")"));
  EXPECT_THAT(all, HasSubstr("not valid JSON"));
  EXPECT_EQ(UnackedRecords(), 0u);
  LoaderStats stats = loader_->Stats();
  EXPECT_EQ(stats.events_rejected, 1u);
  EXPECT_EQ(stats.rows_quarantined, 2u);
}

TEST_F(LoaderTest, ManualModeQuarantinesRowsForMissingTables) {
  Wire(/*auto_manage=*/false);
  ASSERT_TRUE(fake_.InsertDataset({"p", "web", "US", ""}).ok());
  bigquery::Table rejected;
  rejected.ref = {"p", "web", "_opentrack_rejected"};
  rejected.schema = row_writer::RejectedTableSchema();
  ASSERT_TRUE(fake_.InsertTable(rejected).ok());

  Append({Track("m1", "Signed Up", "{}")});
  MakeLoader();
  RunUntilWritten();
  auto rows = fake_.Rows({"p", "web", "_opentrack_rejected"});
  ASSERT_EQ(rows.size(), 2u);  // tracks and signed_up
  EXPECT_THAT(rows[0].json, HasSubstr(R"("reason":"table_refused")"));
  EXPECT_THAT(rows[0].json, HasSubstr("BIGQUERY_AUTO_TABLE_MANAGEMENT=false"));
  EXPECT_EQ(UnackedRecords(), 0u);
}

TEST_F(LoaderTest, RecordsWithoutADestinationAreDroppedAndAcked) {
  Append({Track("x1", "Signed Up", "{}")}, "ios");
  ASSERT_TRUE(spool_->AppendAndWait({"no source line"}).ok());
  MakeLoader();
  RunUntilWritten();
  EXPECT_EQ(fake_.Calls(Method::kInsertAll), 0);
  EXPECT_EQ(loader_->Stats().records_dropped, 2u);
  EXPECT_EQ(UnackedRecords(), 0u);
}

TEST_F(LoaderTest, StopWritesYoungBatchesAndAcks) {
  options_.ack_interval = absl::Hours(1);
  Append({Track("y1", "Signed Up", "{}")});
  MakeLoader();
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  EXPECT_EQ(fake_.Calls(Method::kInsertAll), 0);
  ASSERT_TRUE(loader_->Stop().ok());
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("y1"));
  EXPECT_EQ(UnackedRecords(), 0u);
}

TEST_F(LoaderTest, StopDrainsBatchesInBackoff) {
  options_.batch_max_rows = 2;
  fake_.FailNext(Method::kInsertAll, absl::UnavailableError("backend error"), 1);
  Append({Track("d1", "Signed Up", "{}"), Track("d2", "Signed Up", "{}"),
          Track("d3", "Signed Up", "{}"), Track("d4", "Signed Up", "{}")});
  MakeLoader();
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());  // signed_up fails first
  EXPECT_TRUE(InsertIds("signed_up").empty());
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("d1", "d2", "d3", "d4"));
  ASSERT_TRUE(loader_->Stop().ok());
  EXPECT_THAT(InsertIds("signed_up"), ElementsAre("d1", "d2", "d3", "d4"));
  EXPECT_THAT(fake_.InsertAllBatchSizes(),
              ElementsAre(2, 2, 2, 2));  // the failed one is not counted
  EXPECT_EQ(UnackedRecords(), 0u);
}

TEST_F(LoaderTest, StopReportsAnUndeliverableBatchAndKeepsItInTheSpool) {
  Append({Track("z1", "Signed Up", "{}")});
  MakeLoader();
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  fake_.FailNext(Method::kInsertAll, absl::UnavailableError("backend error"), 10);
  absl::Status s = loader_->Stop();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(UnackedRecords(), 1u);
}

TEST_F(LoaderTest, ThreadReadsWritesAndStops) {
  options_.read_wait = absl::Milliseconds(5);
  Append({Track("r1", "Signed Up", "{}"), Track("r2", "Signed Up", "{}")});
  MakeLoader();
  loader_->Start();
  // The thread runs on real time for its waits; give it a bounded while to read.
  for (int i = 0; i < 2000 && loader_->Stats().records_read < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_TRUE(loader_->Stop().ok());
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("r1", "r2"));
  EXPECT_EQ(UnackedRecords(), 0u);
}

}  // namespace
}  // namespace opentrack::loader
