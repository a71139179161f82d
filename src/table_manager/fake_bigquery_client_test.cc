#include "table_manager/fake_bigquery_client.h"

#include "common/error_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::table_manager {
namespace {

using bigquery::Field;
using bigquery::InsertRow;
using bigquery::Table;
using bigquery::TableRef;
using ::testing::HasSubstr;
using Method = FakeBigQueryClient::Method;

class FakeBigQueryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fake_.InsertDataset({"p", "d", "US", ""}).ok());
    Table t;
    t.ref = ref_;
    t.schema = {{"id", "STRING"}, {"n", "INT64"}};
    ASSERT_TRUE(fake_.InsertTable(t).ok());
  }
  FakeClock clock_;
  FakeBigQueryClient fake_{&clock_};
  TableRef ref_{"p", "d", "t"};
};

TEST_F(FakeBigQueryClientTest, DuplicatesAndMissingObjects) {
  auto dup = fake_.InsertDataset({"p", "d", "US", ""});
  EXPECT_TRUE(absl::IsAlreadyExists(dup.status()));
  EXPECT_EQ(ErrorCode(dup.status()), "duplicate");
  Table t;
  t.ref = ref_;
  EXPECT_EQ(fake_.InsertTable(t).status().message(), "Already Exists: Table p:d.t");
  auto missing = fake_.GetTable({"p", "d", "nope"});
  EXPECT_EQ(missing.status().message(), "Not found: Table p:d.nope");
  EXPECT_EQ(ErrorCode(missing.status()), "notFound");
  t.ref = {"p", "other", "t"};
  EXPECT_EQ(fake_.InsertTable(t).status().message(), "Not found: Dataset p:other");
}

TEST_F(FakeBigQueryClientTest, TypesComeBackAsLegacyNames) {
  EXPECT_EQ(fake_.GetTable(ref_)->schema[1].type, "INTEGER");
}

TEST_F(FakeBigQueryClientTest, PatchChecksEtagAndAppendOnlyRules) {
  Table t = *fake_.GetTable(ref_);
  std::vector<Field> schema = t.schema;
  schema.push_back({"x", "STRING"});
  auto stale = fake_.PatchTableSchema(ref_, schema, "bogus");
  EXPECT_TRUE(absl::IsFailedPrecondition(stale.status()));
  auto patched = fake_.PatchTableSchema(ref_, schema, t.etag);
  ASSERT_TRUE(patched.ok());
  EXPECT_NE(patched->etag, t.etag);
  EXPECT_TRUE(absl::IsFailedPrecondition(fake_.PatchTableSchema(ref_, schema, t.etag).status()));

  std::vector<Field> retyped = {{"id", "STRING"}, {"n", "FLOAT"}, {"x", "STRING"}};
  EXPECT_EQ(fake_.PatchTableSchema(ref_, retyped, "").status().message(),
            "Provided Schema does not match Table p:d.t. Field n has changed type from INTEGER "
            "to FLOAT");
  std::vector<Field> dropped = {{"id", "STRING"}, {"x", "STRING"}};
  EXPECT_THAT(std::string(fake_.PatchTableSchema(ref_, dropped, "").status().message()),
              HasSubstr("Field n is missing in new schema"));
  std::vector<Field> required = schema;
  required.push_back({"r", "STRING", "REQUIRED"});
  EXPECT_THAT(std::string(fake_.PatchTableSchema(ref_, required, "").status().message()),
              HasSubstr("Cannot add required fields to an existing schema. (field: r)"));
  std::vector<Field> dup = schema;
  dup.push_back({"X", "STRING"});
  EXPECT_EQ(fake_.PatchTableSchema(ref_, dup, "").status().message(),
            "Field X already exists in schema");
}

TEST_F(FakeBigQueryClientTest, InsertAllUnknownFieldStopsTheOthers) {
  std::vector<InsertRow> rows = {{"a", R"({"id":"a"})"}, {"b", R"({"id":"b","zz":1})"}};
  auto result = fake_.InsertAll(ref_, rows, {});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->row_errors.size(), 2u);
  EXPECT_EQ(result->row_errors[0].index, 0u);
  EXPECT_EQ(result->row_errors[0].reason, "stopped");
  EXPECT_EQ(result->row_errors[1].index, 1u);
  EXPECT_EQ(result->row_errors[1].reason, "invalid");
  EXPECT_EQ(result->row_errors[1].location, "zz");
  EXPECT_EQ(result->row_errors[1].message, "no such field: zz.");
  EXPECT_TRUE(fake_.Rows(ref_).empty());

  auto skipped = fake_.InsertAll(ref_, rows, {.skip_invalid_rows = true});
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->row_errors.size(), 1u);
  ASSERT_EQ(fake_.Rows(ref_).size(), 1u);
  EXPECT_EQ(fake_.Rows(ref_)[0].insert_id, "a");
}

TEST_F(FakeBigQueryClientTest, InsertAllChecksScalarTypes) {
  std::vector<InsertRow> rows = {
      {"a", R"({"n":"12"})"}, {"b", R"({"n":"x1"})"}, {"c", R"({"id":true})"}};
  auto result = fake_.InsertAll(ref_, rows, {});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->row_errors.size(), 3u);
  EXPECT_EQ(result->row_errors[1].message, "Cannot convert value to integer (bad value): x1");
  EXPECT_EQ(result->row_errors[2].message, "Conversion from bool to string is unsupported.");
}

TEST_F(FakeBigQueryClientTest, PayloadLimitFailsTheWholeRequest) {
  fake_.SetMaxRequestBytes(200);
  std::vector<InsertRow> rows = {{"a", std::string(100, ' ') + "{}"}};
  auto result = fake_.InsertAll(ref_, rows, {});
  EXPECT_EQ(result.status().message(), "Request payload size exceeds the limit: 200 bytes.");
  EXPECT_EQ(fake_.InsertAllBatchSizes(), std::vector<size_t>{1});
}

TEST_F(FakeBigQueryClientTest, MetadataQuotaIsFivePerTenSeconds) {
  Table t = *fake_.GetTable(ref_);  // creation used one update
  for (int i = 0; i < 4; ++i) {
    t.schema.push_back({"c" + std::to_string(i), "STRING"});
    ASSERT_TRUE(fake_.PatchTableSchema(ref_, t.schema, "").ok());
  }
  t.schema.push_back({"late", "STRING"});
  auto limited = fake_.PatchTableSchema(ref_, t.schema, "");
  EXPECT_TRUE(absl::IsResourceExhausted(limited.status()));
  EXPECT_EQ(ErrorCode(limited.status()), "rateLimitExceeded");
  clock_.Advance(absl::Seconds(10));
  EXPECT_TRUE(fake_.PatchTableSchema(ref_, t.schema, "").ok());
}

TEST_F(FakeBigQueryClientTest, ScriptedFailuresAndCounters) {
  fake_.FailNext(Method::kGetTable, absl::UnavailableError("boom"), 2);
  EXPECT_TRUE(absl::IsUnavailable(fake_.GetTable(ref_).status()));
  EXPECT_TRUE(absl::IsUnavailable(fake_.GetTable(ref_).status()));
  EXPECT_TRUE(fake_.GetTable(ref_).ok());
  EXPECT_EQ(fake_.Calls(Method::kGetTable), 3);
  EXPECT_EQ(fake_.Calls(Method::kInsertTable), 1);
  fake_.ResetCalls();
  EXPECT_EQ(fake_.TotalCalls(), 0);
}

TEST_F(FakeBigQueryClientTest, NewColumnsAndTablesAreInvisibleToStreamingForAWhile) {
  fake_.SetVisibilityDelay(absl::Seconds(30));
  clock_.Advance(absl::Seconds(30));  // the table itself is old enough now
  Table t = *fake_.GetTable(ref_);
  t.schema.push_back({"fresh", "STRING"});
  ASSERT_TRUE(fake_.PatchTableSchema(ref_, t.schema, "").ok());
  std::vector<InsertRow> rows = {{"a", R"({"fresh":"x"})"}};
  auto early = fake_.InsertAll(ref_, rows, {});
  ASSERT_TRUE(early.ok());
  ASSERT_EQ(early->row_errors.size(), 1u);
  EXPECT_EQ(early->row_errors[0].message, "no such field: fresh.");
  clock_.Advance(absl::Seconds(30));
  auto late = fake_.InsertAll(ref_, rows, {});
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE(late->row_errors.empty());

  Table n;
  n.ref = {"p", "d", "new_table"};
  ASSERT_TRUE(fake_.InsertTable(n).ok());
  EXPECT_EQ(fake_.InsertAll(n.ref, rows, {}).status().message(), "Not found: Table p:d.new_table");
}

TEST_F(FakeBigQueryClientTest, LoadJobsAppendAndRejectDuplicateIds) {
  bigquery::LoadJobRequest request;
  request.destination = ref_;
  request.job_id = "job1";
  request.create_disposition = "CREATE_NEVER";
  auto job = fake_.RunLoadJob(request, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
  ASSERT_TRUE(job.ok());
  EXPECT_FALSE(job->error_result.has_value());
  EXPECT_EQ(job->output_rows, 2);
  EXPECT_EQ(fake_.Rows(ref_).size(), 2u);
  auto again = fake_.RunLoadJob(request, "{\"id\":\"a\"}\n");
  EXPECT_EQ(again.status().message(), "Already Exists: Job p:job1");
  request.job_id = "job2";
  auto bad = fake_.RunLoadJob(request, "{\"id\":\"a\"}\n{\"zz\":1}\n");
  ASSERT_TRUE(bad.ok());
  ASSERT_TRUE(bad->error_result.has_value());
  EXPECT_EQ(bad->error_result->reason, "invalid");
  EXPECT_EQ(fake_.Rows(ref_).size(), 2u);  // atomic: nothing appended
  EXPECT_EQ(fake_.GetJob("p", "job2", "US")->error_result->reason, "invalid");
}

}  // namespace
}  // namespace opentrack::table_manager
