#include "row_writer/streaming_row_writer.h"

#include <deque>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/error_code.h"
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

class RecordingSink : public QuarantineSink {
 public:
  absl::Status Quarantine(const TableRef& source, std::span<const QuarantinedRow> rows) override {
    calls++;
    rows_.insert(rows_.end(), rows.begin(), rows.end());
    return status;
  }
  int calls = 0;
  std::vector<QuarantinedRow> rows_;
  absl::Status status;
};

// Text for EncodedRow's views, kept for the rest of the test.
std::string_view Keep(std::string text) {
  static auto* kept = new std::deque<std::string>;
  return kept->emplace_back(std::move(text));
}

std::vector<EncodedRow> MakeRows(size_t n, size_t pad = 0) {
  std::vector<EncodedRow> rows;
  for (size_t i = 0; i < n; ++i) {
    std::string id = absl::StrCat("m", i);
    rows.push_back(
        {Keep(id), Keep(absl::StrCat(R"({"id":")", id, std::string(pad, 'x'), R"(","n":"1"})"))});
  }
  return rows;
}

class StreamingRowWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Field> cols = {{"id", "STRING"}, {"n", "INTEGER"}};
    ASSERT_TRUE(tables_.EnsureTable(ref_, cols).ok());
    clock_.Advance(absl::Minutes(5));  // past the change window
    fake_.ResetCalls();
  }
  StreamingRowWriter Writer(StreamingRowWriterOptions o = {}) {
    o.clock = &clock_;
    return StreamingRowWriter(&fake_, &tables_, &sink_, o);
  }
  table_manager::TableManagerOptions TmOptions() {
    table_manager::TableManagerOptions o;
    o.clock = &clock_;
    return o;
  }

  FakeClock clock_;
  FakeBigQueryClient fake_{&clock_};
  TableManager tables_{&fake_, TmOptions()};
  RecordingSink sink_;
  TableRef ref_{"p", "d", "tracks"};
};

TEST_F(StreamingRowWriterTest, SplitsAt500Rows) {
  auto rows = MakeRows(1201);
  auto result = Writer().Write(ref_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->written, 1201u);
  EXPECT_EQ(fake_.InsertAllBatchSizes(), (std::vector<size_t>{500, 500, 201}));
  EXPECT_EQ(fake_.Rows(ref_).size(), 1201u);
  EXPECT_EQ(fake_.Rows(ref_)[1200].insert_id, "m1200");
}

TEST_F(StreamingRowWriterTest, SplitsAtTheByteLimit) {
  auto rows = MakeRows(5, 280);  // each row adds 2 + 299 + 24 = 325 bytes to a request
  ASSERT_EQ(StreamingRowWriter::RequestBytes(rows[0]), 325u);
  auto result = Writer({.max_request_bytes = 1000}).Write(ref_, rows);  // 112 + 2 * 325 fits
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(fake_.InsertAllBatchSizes(), (std::vector<size_t>{2, 2, 1}));
  EXPECT_EQ(fake_.RequestBytes(std::vector<bigquery::InsertRow>{{"m0", std::string(rows[0].json)},
                                                                {"m1", std::string(rows[1].json)}}),
            762u);
}

TEST_F(StreamingRowWriterTest, InvalidRowIsQuarantinedAndStoppedRowsResentOnce) {
  auto rows = MakeRows(3);
  rows[1].json = R"({"id":"m1","n":"abc"})";
  auto result = Writer().Write(ref_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->written, 2u);
  EXPECT_THAT(
      result->quarantined,
      ElementsAre(Pair(1u, "invalid at n: Cannot convert value to integer (bad value): abc")));
  EXPECT_EQ(fake_.InsertAllBatchSizes(), (std::vector<size_t>{3, 2}));
  ASSERT_EQ(fake_.Rows(ref_).size(), 2u);
  EXPECT_EQ(fake_.Rows(ref_)[1].insert_id, "m2");
  ASSERT_EQ(sink_.rows_.size(), 1u);
  EXPECT_EQ(sink_.calls, 1);
  EXPECT_EQ(sink_.rows_[0].insert_id, "m1");
  EXPECT_EQ(sink_.rows_[0].row_json, rows[1].json);
  EXPECT_EQ(sink_.rows_[0].reason, "invalid");
  EXPECT_EQ(sink_.rows_[0].location, "n");
  EXPECT_EQ(sink_.rows_[0].message, "Cannot convert value to integer (bad value): abc");
}

TEST_F(StreamingRowWriterTest, SinkFailureFailsTheWrite) {
  sink_.status = absl::UnavailableError("rejected table down");
  auto rows = MakeRows(2);
  rows[0].json = R"({"id":"m0","n":"abc"})";
  auto result = Writer().Write(ref_, rows);
  EXPECT_TRUE(absl::IsUnavailable(result.status()));
  EXPECT_THAT(std::string(result.status().message()),
              ::testing::HasSubstr("quarantining 1 rows of p:d.tracks"));
}

TEST_F(StreamingRowWriterTest, WaitsForANewColumnToBecomeVisible) {
  fake_.SetVisibilityDelay(absl::Seconds(30));
  std::vector<Field> cols = {{"total", "FLOAT"}};
  ASSERT_TRUE(tables_.EnsureTable(ref_, cols).ok());
  std::vector<EncodedRow> rows = {{"a", R"({"id":"a","total":1.5})"}, {"b", R"({"id":"b"})"}};
  auto result = Writer().Write(ref_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->written, 2u);
  EXPECT_TRUE(result->quarantined.empty());
  EXPECT_EQ(clock_.TotalSlept(), absl::Seconds(31));  // 1 + 2 + 4 + 8 + 16
  EXPECT_EQ(fake_.Calls(Method::kInsertAll), 6);
  EXPECT_EQ(fake_.Rows(ref_).size(), 2u);
}

TEST_F(StreamingRowWriterTest, WaitsForANewTableToBecomeVisible) {
  fake_.SetVisibilityDelay(absl::Seconds(5));
  TableRef fresh{"p", "d", "order_completed"};
  std::vector<Field> cols = {{"id", "STRING"}};
  ASSERT_TRUE(tables_.EnsureTable(fresh, cols).ok());
  std::vector<EncodedRow> rows = {{"a", R"({"id":"a"})"}};
  auto result = Writer().Write(fresh, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(clock_.TotalSlept(), absl::Seconds(7));  // 1 + 2 + 4
}

TEST_F(StreamingRowWriterTest, GivesUpOnInvisibleColumnsAfterTheWindow) {
  fake_.SetVisibilityDelay(absl::Minutes(10));
  clock_.Advance(absl::Minutes(10));  // the table itself is visible
  std::vector<Field> cols = {{"total", "FLOAT"}};
  ASSERT_TRUE(tables_.EnsureTable(ref_, cols).ok());
  std::vector<EncodedRow> rows = {{"a", R"({"id":"a","total":1.5})"}};
  auto result = Writer().Write(ref_, rows);
  EXPECT_TRUE(absl::IsFailedPrecondition(result.status()));
  EXPECT_EQ(ErrorCode(result.status()), "noSuchField");
  EXPECT_THAT(std::string(result.status().message()),
              ::testing::HasSubstr("insertAll into p:d.tracks: no such field: total."));
  EXPECT_EQ(clock_.TotalSlept(), absl::Seconds(1 + 2 + 4 + 8 + 16 * 7));  // 127 s > 2 min
  EXPECT_TRUE(sink_.rows_.empty());  // never quarantined: the column exists
  fake_.ResetCalls();
  ASSERT_TRUE(tables_.GetTable(ref_).ok());  // the cache was invalidated
  EXPECT_EQ(fake_.Calls(Method::kGetTable), 1);
}

TEST_F(StreamingRowWriterTest, UnknownFieldOutsideTheWindowIsNotRetried) {
  std::vector<EncodedRow> rows = {{"a", R"({"id":"a","nope":1})"}};
  auto result = Writer().Write(ref_, rows);
  EXPECT_EQ(ErrorCode(result.status()), "noSuchField");
  EXPECT_EQ(clock_.TotalSlept(), absl::ZeroDuration());
  EXPECT_EQ(fake_.Calls(Method::kInsertAll), 1);
}

TEST_F(StreamingRowWriterTest, PayloadTooLargeSplitsInHalves) {
  fake_.SetMaxRequestBytes(1000);
  auto rows = MakeRows(8, 280);  // 2 rows per request fit the fake's limit, not 4
  auto result = Writer().Write(ref_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->written, 8u);
  EXPECT_EQ(fake_.InsertAllBatchSizes(), (std::vector<size_t>{8, 4, 2, 2, 4, 2, 2}));
  EXPECT_EQ(fake_.Rows(ref_)[7].insert_id, "m7");
}

TEST_F(StreamingRowWriterTest, Http413SplitsToo) {
  fake_.FailNext(Method::kInsertAll,
                 absl::InvalidArgumentError("tabledata.insertAll p:d.tracks: HTTP 413: <html>"));
  auto rows = MakeRows(4);
  auto result = Writer().Write(ref_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(fake_.InsertAllBatchSizes(), (std::vector<size_t>{2, 2}));  // the 413 came first
  EXPECT_EQ(fake_.Calls(Method::kInsertAll), 3);
}

TEST_F(StreamingRowWriterTest, ARowTooLargeForAnyRequestIsQuarantined) {
  fake_.SetMaxRequestBytes(1000);
  auto rows = MakeRows(2);
  rows[1].json = Keep(absl::StrCat(R"({"id":")", std::string(2000, 'y'), R"("})"));
  auto result = Writer().Write(ref_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->written, 1u);
  EXPECT_THAT(
      result->quarantined,
      ElementsAre(Pair(1u, "invalid: Request payload size exceeds the limit: 1000 bytes.")));
}

TEST_F(StreamingRowWriterTest, RowOverTheRowLimitIsQuarantinedUnsent) {
  auto rows = MakeRows(3);
  rows[0].json = Keep(absl::StrCat(R"({"id":")", std::string(200, 'y'), R"("})"));
  auto result = Writer({.max_row_bytes = 100}).Write(ref_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->written, 2u);
  EXPECT_THAT(result->quarantined,
              ElementsAre(Pair(0u,
                               "invalid: Maximum allowed row size exceeded. Allowed: 100 "
                               "Row size: 209")));
  EXPECT_EQ(fake_.InsertAllBatchSizes(), (std::vector<size_t>{2}));
}

TEST_F(StreamingRowWriterTest, TransportErrorsBubbleUp) {
  fake_.FailNext(Method::kInsertAll, absl::UnavailableError("HTTP 503: backendError"));
  auto result = Writer().Write(ref_, MakeRows(3));
  EXPECT_TRUE(absl::IsUnavailable(result.status()));
  EXPECT_THAT(std::string(result.status().message()),
              ::testing::HasSubstr("insertAll into p:d.tracks: HTTP 503"));
  EXPECT_TRUE(sink_.rows_.empty());
}

TEST_F(StreamingRowWriterTest, MissingTableOutsideTheWindowSurfacesNotFound) {
  auto result = Writer().Write({"p", "d", "nope"}, MakeRows(1));
  EXPECT_TRUE(absl::IsNotFound(result.status()));
  EXPECT_EQ(clock_.TotalSlept(), absl::ZeroDuration());
}

}  // namespace
}  // namespace opentrack::row_writer
