#include "row_writer/table_quarantine_sink.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "table_manager/fake_bigquery_client.h"

namespace opentrack::row_writer {
namespace {

using bigquery::Field;
using bigquery::TableRef;
using table_manager::FakeBigQueryClient;
using table_manager::TableManager;
using Method = FakeBigQueryClient::Method;
using ::testing::ElementsAre;
using ::testing::Pair;

class TableQuarantineSinkTest : public ::testing::Test {
 protected:
  table_manager::TableManagerOptions TmOptions() {
    table_manager::TableManagerOptions o;
    o.clock = &clock_;
    return o;
  }
  StreamingRowWriterOptions WriterOptions() {
    StreamingRowWriterOptions o;
    o.clock = &clock_;
    return o;
  }

  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  FakeBigQueryClient fake_{&clock_};
  TableManager tables_{&fake_, TmOptions()};
  TableQuarantineSink sink_{&fake_, &tables_, WriterOptions()};
  TableRef source_{"p", "d", "order_completed"};
  TableRef rejected_{"p", "d", "_opentrack_rejected"};
};

TEST_F(TableQuarantineSinkTest, StoresRejectedRowsInTheSameDataset) {
  std::vector<QuarantinedRow> rows = {
      {"m1", R"({"id":"m1","received_at":"2023-11-14T22:00:00.5Z","total":"x"})", "invalid",
       "total", "Cannot convert value to floating point (bad value): x", std::nullopt},
      {"m2", "{not json", "mapping_failed", "", "bad event", std::nullopt}};
  ASSERT_TRUE(sink_.Quarantine(source_, rows).ok());
  std::optional<bigquery::Table> table = fake_.PeekTable(rejected_);
  ASSERT_TRUE(table.has_value());
  EXPECT_EQ(table->schema, RejectedTableSchema());
  std::vector<bigquery::InsertRow> stored = fake_.Rows(rejected_);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].insert_id, "order_completed/m1");
  EXPECT_EQ(
      stored[0].json,
      R"({"id":"m1","table_name":"order_completed","reason":"invalid",)"
      R"("error_location":"total","error_message":"Cannot convert value to floating point )"
      R"((bad value): x","row_json":"{\"id\":\"m1\",\"received_at\":\"2023-11-14T22:00:00.5Z\",)"
      R"(\"total\":\"x\"}","received_at":"2023-11-14T22:00:00.500000Z",)"
      R"("quarantined_at":"2023-11-14T22:13:20.000000Z"})");
  EXPECT_EQ(stored[1].json,
            R"({"id":"m2","table_name":"order_completed","reason":"mapping_failed",)"
            R"("error_location":"","error_message":"bad event","row_json":"{not json",)"
            R"("quarantined_at":"2023-11-14T22:13:20.000000Z"})");
}

TEST_F(TableQuarantineSinkTest, EndToEndWithTheStreamingWriter) {
  std::vector<Field> cols = {{"id", "STRING"}, {"total", "FLOAT"}};
  ASSERT_TRUE(tables_.EnsureTable(source_, cols).ok());
  StreamingRowWriter writer(&fake_, &tables_, &sink_, WriterOptions());
  std::vector<EncodedRow> rows = {{"m1", R"({"id":"m1","total":"lots"})"},
                                  {"m2", R"({"id":"m2","total":2})"}};
  auto result = writer.Write(source_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(
      result->quarantined,
      ElementsAre(
          Pair(0u, "invalid at total: Cannot convert value to floating point (bad value): lots")));
  EXPECT_EQ(fake_.Rows(source_).size(), 1u);
  ASSERT_EQ(fake_.Rows(rejected_).size(), 1u);
}

TEST_F(TableQuarantineSinkTest, EventsWithoutATableKeepTheirOwnInsertId) {
  std::vector<QuarantinedRow> rows = {{"m9", "{}", "invalid_event", "", "no type", std::nullopt}};
  ASSERT_TRUE(sink_.Quarantine({"p", "d", ""}, rows).ok());
  ASSERT_EQ(fake_.Rows(rejected_).size(), 1u);
  EXPECT_EQ(fake_.Rows(rejected_)[0].insert_id, "m9");
}

TEST_F(TableQuarantineSinkTest, NeverQuarantinesIntoItself) {
  std::vector<QuarantinedRow> rows = {{"m1", "{}", "invalid", "", "x", std::nullopt}};
  auto status = sink_.Quarantine(rejected_, rows);
  EXPECT_TRUE(absl::IsFailedPrecondition(status));
  EXPECT_EQ(fake_.TotalCalls(), 0);
}

TEST_F(TableQuarantineSinkTest, FailuresAreReturnedNotSwallowed) {
  fake_.FailNext(Method::kInsertAll, absl::UnavailableError("down"));
  std::vector<QuarantinedRow> rows = {{"m1", "{}", "invalid", "", "x", std::nullopt}};
  EXPECT_TRUE(absl::IsUnavailable(sink_.Quarantine(source_, rows)));
  EXPECT_TRUE(fake_.Rows(rejected_).empty());
}

TEST_F(TableQuarantineSinkTest, CutsHugeRowsAtAUtf8Boundary) {
  std::string huge = std::string(kMaxStoredRowJsonBytes - 1, 'a') + "\xC3\xA9";  // é straddles
  std::vector<QuarantinedRow> rows = {{"m1", huge, "invalid", "", "too big", std::nullopt}};
  ASSERT_TRUE(sink_.Quarantine(source_, rows).ok());
  std::string json = fake_.Rows(rejected_)[0].json;
  EXPECT_NE(json.find(std::string(kMaxStoredRowJsonBytes - 1, 'a') + "\","), std::string::npos);
}

}  // namespace
}  // namespace opentrack::row_writer
