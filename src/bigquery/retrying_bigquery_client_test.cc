#include "bigquery/retrying_bigquery_client.h"

#include <memory>
#include <string>
#include <vector>

#include "bigquery/client_factory.h"
#include "bigquery/error_mapping.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_client/fake_http_client.h"

namespace opentrack::bigquery {
namespace {

using ::testing::_;
using ::testing::Field;
using ::testing::Return;
using ::testing::SaveArg;

class MockBigQueryClient : public BigQueryClient {
 public:
  MOCK_METHOD(absl::StatusOr<Dataset>, GetDataset, (std::string_view, std::string_view),
              (override));
  MOCK_METHOD(absl::StatusOr<Dataset>, InsertDataset, (const Dataset&), (override));
  MOCK_METHOD(absl::StatusOr<Table>, GetTable, (const TableRef&), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<Table>>, ListTables, (std::string_view, std::string_view),
              (override));
  MOCK_METHOD(absl::StatusOr<Table>, InsertTable, (const Table&), (override));
  MOCK_METHOD(absl::StatusOr<Table>, PatchTableSchema,
              (const TableRef&, const std::vector<bigquery::Field>&, std::string_view), (override));
  MOCK_METHOD(absl::Status, DeleteTable, (const TableRef&), (override));
  MOCK_METHOD(absl::StatusOr<InsertResult>, InsertAll,
              (const TableRef&, std::span<const InsertRow>, const InsertOptions&), (override));
  MOCK_METHOD(absl::StatusOr<QueryResult>, Query, (const QueryRequest&), (override));
  MOCK_METHOD(absl::StatusOr<Job>, RunLoadJob, (const LoadJobRequest&, std::string_view),
              (override));
  MOCK_METHOD(absl::StatusOr<Job>, GetJob, (std::string_view, std::string_view, std::string_view),
              (override));
};

absl::Status Reason(int http, const std::string& reason) {
  return MapHttpError(http, R"({"error":{"code":)" + std::to_string(http) +
                                R"(,"message":"m","errors":[{"reason":")" + reason + R"("}]}})");
}

class RetryingBigQueryClientTest : public ::testing::Test {
 protected:
  RetryingBigQueryClientTest() {
    auto mock = std::make_unique<MockBigQueryClient>();
    mock_ = mock.get();
    auto policy = std::make_shared<RetryPolicy>(RetryOptions{}, &clock_, [] { return 0.5; });
    client_ = std::make_unique<RetryingBigQueryClient>(std::move(mock), policy);
  }

  FakeClock clock_;
  MockBigQueryClient* mock_;
  std::unique_ptr<RetryingBigQueryClient> client_;
  const TableRef ref_{"p", "d", "t"};
};

TEST_F(RetryingBigQueryClientTest, InsertAllRetriesRateLimitThenSucceeds) {
  EXPECT_CALL(*mock_, InsertAll(_, _, _))
      .WillOnce(Return(Reason(403, "rateLimitExceeded")))
      .WillOnce(Return(Reason(503, "backendError")))
      .WillOnce(Return(InsertResult{}));
  std::vector<InsertRow> rows = {{"id", "{}"}};
  EXPECT_TRUE(client_->InsertAll(ref_, rows, {}).ok());
  EXPECT_EQ(clock_.TotalSlept(), absl::Milliseconds(1500));
}

TEST_F(RetryingBigQueryClientTest, QuotaExceededSurfacesAfterOneCall) {
  EXPECT_CALL(*mock_, InsertAll(_, _, _)).Times(1).WillOnce(Return(Reason(403, "quotaExceeded")));
  std::vector<InsertRow> rows = {{"id", "{}"}};
  auto result = client_->InsertAll(ref_, rows, {});
  EXPECT_EQ(ErrorReason(result.status()), "quotaExceeded");
}

TEST_F(RetryingBigQueryClientTest, InvalidIsNotRetried) {
  EXPECT_CALL(*mock_, GetTable(_)).Times(1).WillOnce(Return(Reason(400, "invalid")));
  EXPECT_EQ(client_->GetTable(ref_).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RetryingBigQueryClientTest, InsertTableConflictReturnsExistingTable) {
  Table existing;
  existing.ref = ref_;
  existing.etag = "e";
  EXPECT_CALL(*mock_, InsertTable(_)).WillOnce(Return(Reason(409, "duplicate")));
  EXPECT_CALL(*mock_, GetTable(Field(&TableRef::table_id, "t"))).WillOnce(Return(existing));
  Table table;
  table.ref = ref_;
  auto result = client_->InsertTable(table);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->etag, "e");
}

TEST_F(RetryingBigQueryClientTest, InsertDatasetConflictReturnsExistingDataset) {
  EXPECT_CALL(*mock_, InsertDataset(_)).WillOnce(Return(Reason(409, "duplicate")));
  EXPECT_CALL(*mock_, GetDataset(std::string_view("p"), std::string_view("d")))
      .WillOnce(Return(Dataset{"p", "d", "EU", "e"}));
  auto result = client_->InsertDataset(Dataset{"p", "d", "EU", ""});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->location, "EU");
}

TEST_F(RetryingBigQueryClientTest, QueryKeepsOneRequestIdAcrossAttempts) {
  QueryRequest first, second;
  EXPECT_CALL(*mock_, Query(_))
      .WillOnce(::testing::DoAll(SaveArg<0>(&first), Return(absl::UnavailableError("reset"))))
      .WillOnce(::testing::DoAll(SaveArg<0>(&second), Return(QueryResult{})));
  ASSERT_TRUE(client_->Query(QueryRequest{"p", "SELECT 1", "", "", 1000}).ok());
  EXPECT_FALSE(first.request_id.empty());
  EXPECT_EQ(first.request_id, second.request_id);
}

TEST_F(RetryingBigQueryClientTest, LoadJobKeepsOneJobIdAcrossAttempts) {
  LoadJobRequest first, second;
  EXPECT_CALL(*mock_, RunLoadJob(_, _))
      .WillOnce(::testing::DoAll(SaveArg<0>(&first), Return(absl::DeadlineExceededError("t"))))
      .WillOnce(::testing::DoAll(SaveArg<0>(&second), Return(Job{})));
  LoadJobRequest request;
  ASSERT_TRUE(client_->RunLoadJob(request, "{}\n").ok());
  EXPECT_FALSE(first.job_id.empty());
  EXPECT_EQ(first.job_id, second.job_id);
}

TEST(ClientFactoryTest, EmulatorHostReplacesBasesAndNoCredentials) {
  auto http = std::make_shared<http_client::FakeHttpClient>();
  http->Push(503, "");
  http->Push(200, R"({"datasetReference":{"projectId":"p","datasetId":"d"}})");
  FakeClock clock;
  ClientOptions options;
  options.emulator_host = "127.0.0.1:9050";
  options.http = http;
  options.clock = &clock;
  options.jitter = [] { return 0.5; };
  auto client = MakeBigQueryClient(options);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->GetDataset("p", "d").ok());
  auto requests = http->requests();
  ASSERT_EQ(requests.size(), 2u);  // the 503 was retried by the Retrying layer
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:9050/bigquery/v2/projects/p/datasets/d");
  EXPECT_EQ(requests[1].Header("Authorization"), "");
  EXPECT_EQ(clock.TotalSlept(), absl::Milliseconds(500));
}

TEST(ClientFactoryTest, RejectsSchemeInEmulatorHost) {
  ClientOptions options;
  options.emulator_host = "http://localhost:9050";
  options.http = std::make_shared<http_client::FakeHttpClient>();
  EXPECT_EQ(MakeBigQueryClient(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace opentrack::bigquery
