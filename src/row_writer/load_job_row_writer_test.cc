#include "row_writer/load_job_row_writer.h"

#include <deque>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "row_writer/streaming_row_writer.h"
#include "table_manager/fake_bigquery_client.h"
#include "table_manager/table_manager.h"

namespace opentrack::row_writer {
namespace {

using bigquery::Field;
using bigquery::TableRef;
using table_manager::FakeBigQueryClient;
using table_manager::TableManager;
using Method = FakeBigQueryClient::Method;
using ::testing::ElementsAre;
using ::testing::MatchesRegex;
using ::testing::Pair;

// Text for EncodedRow's views, kept for the rest of the test.
std::string_view Keep(std::string text) {
  static auto* kept = new std::deque<std::string>;
  return kept->emplace_back(std::move(text));
}

std::vector<EncodedRow> MakeRows(int first, int n) {
  std::vector<EncodedRow> rows;
  for (int i = first; i < first + n; ++i) {
    std::string id = absl::StrCat("m", i);
    rows.push_back({Keep(id), Keep(absl::StrCat(R"({"id":")", id, R"("})"))});
  }
  return rows;
}

class LoadJobRowWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_manager::TableManagerOptions o;
    o.clock = &clock_;
    tables_ = std::make_unique<TableManager>(&fake_, o);
    std::vector<Field> cols = {{"id", "STRING"}, {"n", "INTEGER"}};
    ASSERT_TRUE(tables_->EnsureTable(ref_, cols).ok());
    fake_.ResetCalls();
  }
  LoadJobRowWriterOptions Options() {
    LoadJobRowWriterOptions o;
    o.clock = &clock_;
    return o;
  }

  FakeClock clock_;
  FakeBigQueryClient fake_{&clock_};
  std::unique_ptr<TableManager> tables_;
  TableRef ref_{"p", "d", "pages"};
};

TEST_F(LoadJobRowWriterTest, JobIdsAreDeterministicPerBatch) {
  auto a = MakeRows(0, 3);
  std::string id = LoadJobRowWriter::JobIdFor("opentrack_load_", ref_, a);
  EXPECT_THAT(id, MatchesRegex("opentrack_load_[0-9a-f]{32}"));
  EXPECT_EQ(LoadJobRowWriter::JobIdFor("opentrack_load_", ref_, MakeRows(0, 3)), id);
  EXPECT_NE(LoadJobRowWriter::JobIdFor("opentrack_load_", ref_, MakeRows(0, 2)), id);
  EXPECT_NE(LoadJobRowWriter::JobIdFor("opentrack_load_", ref_, MakeRows(1, 3)), id);
  EXPECT_NE(LoadJobRowWriter::JobIdFor("opentrack_load_", {"p", "d", "tracks"}, a), id);
}

TEST_F(LoadJobRowWriterTest, LoadsNdjsonAppendOnlyIntoTheExistingTable) {
  LoadJobRowWriter writer(&fake_, nullptr, Options());
  auto rows = MakeRows(0, 3);
  auto result = writer.Write(ref_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->written, 3u);
  ASSERT_EQ(fake_.LoadJobRequests().size(), 1u);
  const bigquery::LoadJobRequest r = fake_.LoadJobRequests()[0];
  EXPECT_EQ(r.job_id, LoadJobRowWriter::JobIdFor("opentrack_load_", ref_, rows));
  EXPECT_EQ(r.write_disposition, "WRITE_APPEND");
  EXPECT_EQ(r.create_disposition, "CREATE_NEVER");
  EXPECT_TRUE(r.schema_update_options.empty());
  EXPECT_EQ(r.location, "US");
  ASSERT_EQ(fake_.Rows(ref_).size(), 3u);
  EXPECT_EQ(fake_.Rows(ref_)[2].json, R"({"id":"m2"})");
}

TEST_F(LoadJobRowWriterTest, RetriedBatchReusesTheJobAndLoadsNothingTwice) {
  auto rows = MakeRows(0, 3);
  {
    LoadJobRowWriter first(&fake_, nullptr, Options());
    ASSERT_TRUE(first.Write(ref_, rows).ok());
  }
  // A restarted process (fresh budget) sends the same batch again.
  LoadJobRowWriter second(&fake_, nullptr, Options());
  auto result = second.Write(ref_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->written, 3u);
  EXPECT_EQ(fake_.Rows(ref_).size(), 3u);
  EXPECT_EQ(fake_.Calls(Method::kRunLoadJob), 1);
}

TEST_F(LoadJobRowWriterTest, PacesJobsPerTable) {
  LoadJobRowWriter writer(&fake_, nullptr, Options());
  ASSERT_TRUE(writer.Write(ref_, MakeRows(0, 1)).ok());
  EXPECT_EQ(writer.NextJobTime(ref_), clock_.Now() + absl::Minutes(1));
  EXPECT_EQ(writer.NextJobTime({"p", "d", "other"}), absl::InfinitePast());
  ASSERT_TRUE(writer.Write(ref_, MakeRows(1, 1)).ok());
  EXPECT_EQ(clock_.TotalSlept(), absl::Minutes(1));
}

TEST_F(LoadJobRowWriterTest, DailyBudgetIsEnforced) {
  LoadJobRowWriterOptions o = Options();
  o.max_jobs_per_day = 2;
  o.min_interval = absl::ZeroDuration();
  LoadJobRowWriter writer(&fake_, nullptr, o);
  ASSERT_TRUE(writer.Write(ref_, MakeRows(0, 1)).ok());
  ASSERT_TRUE(writer.Write(ref_, MakeRows(1, 1)).ok());
  auto third = writer.Write(ref_, MakeRows(2, 1));
  EXPECT_TRUE(absl::IsResourceExhausted(third.status()));
  EXPECT_EQ(ErrorCode(third.status()), "quotaExceeded");
  clock_.Advance(absl::Hours(24));
  EXPECT_TRUE(writer.Write(ref_, MakeRows(2, 1)).ok());
}

TEST_F(LoadJobRowWriterTest, BadDataFallsBackToStreamingWhichQuarantines) {
  StreamingRowWriterOptions so;
  so.clock = &clock_;
  StreamingRowWriter streaming(&fake_, tables_.get(), nullptr, so);
  LoadJobRowWriter writer(&fake_, &streaming, Options());
  auto rows = MakeRows(0, 3);
  rows[1].json = R"({"id":"m1","n":"abc"})";
  auto result = writer.Write(ref_, rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->written, 2u);
  EXPECT_THAT(
      result->quarantined,
      ElementsAre(Pair(1u, "invalid at n: Cannot convert value to integer (bad value): abc")));
  EXPECT_EQ(fake_.Rows(ref_).size(), 2u);
}

TEST_F(LoadJobRowWriterTest, FailedJobWithoutFallbackIsAnErrorAndNextAttemptGetsAFreshId) {
  LoadJobRowWriterOptions o = Options();
  o.min_interval = absl::ZeroDuration();
  LoadJobRowWriter writer(&fake_, nullptr, o);
  auto rows = MakeRows(0, 2);
  rows[0].json = R"({"id":"m0","zz":1})";
  auto failed = writer.Write(ref_, rows);
  EXPECT_TRUE(absl::IsInvalidArgument(failed.status()));
  EXPECT_EQ(ErrorCode(failed.status()), "invalid");
  rows[0].json = R"({"id":"m0"})";  // same ids: same base job id, which is spent
  auto retried = writer.Write(ref_, rows);
  ASSERT_TRUE(retried.ok()) << retried.status();
  std::string base = LoadJobRowWriter::JobIdFor("opentrack_load_", ref_, rows);
  ASSERT_EQ(fake_.LoadJobRequests().size(), 2u);
  EXPECT_EQ(fake_.LoadJobRequests()[1].job_id, base + "_r1");
}

TEST_F(LoadJobRowWriterTest, MissingTableFailsTheJob) {
  LoadJobRowWriter writer(&fake_, nullptr, Options());
  auto result = writer.Write({"p", "d", "nope"}, MakeRows(0, 1));
  EXPECT_TRUE(absl::IsNotFound(result.status()));
}

}  // namespace
}  // namespace opentrack::row_writer
