#include "bigquery/rest_bigquery_client.h"

#include <memory>
#include <string>
#include <vector>

#include "bigquery/error_mapping.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_client/fake_http_client.h"

namespace opentrack::bigquery {
namespace {

using http_client::FakeHttpClient;
using http_client::HttpRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;
using ::testing::StartsWith;

constexpr char kApi[] = "https://bq.test/bigquery/v2";
constexpr char kUpload[] = "https://bq.test/upload/bigquery/v2";

// Hands out "Bearer t1", "Bearer t2", ... counting invalidations.
class CountingCredentials : public auth::Credentials {
 public:
  absl::StatusOr<std::string> AuthorizationHeader() override {
    return "Bearer t" + std::to_string(generation_);
  }
  void Invalidate() override { ++generation_; }
  int generation_ = 1;
};

class RestBigQueryClientTest : public ::testing::Test {
 protected:
  RestBigQueryClientTest() {
    RestOptions options;
    options.api_base = kApi;
    options.upload_base = kUpload;
    options.user_agent = "test-agent";
    options.multipart_limit = 64;
    options.resumable_chunk_bytes = 40;
    client_ = std::make_unique<RestBigQueryClient>(options, http_, credentials_, &clock_);
  }

  HttpRequest Only() {
    auto requests = http_->requests();
    EXPECT_EQ(requests.size(), 1u);
    return requests.empty() ? HttpRequest() : requests[0];
  }

  FakeClock clock_;
  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
  std::shared_ptr<CountingCredentials> credentials_ = std::make_shared<CountingCredentials>();
  std::unique_ptr<RestBigQueryClient> client_;
  const TableRef ref_{"p", "d", "t"};
};

TEST_F(RestBigQueryClientTest, GetDataset) {
  http_->Push(200, R"({"kind":"bigquery#dataset","id":"p:d","etag":"e1",
      "datasetReference":{"projectId":"p","datasetId":"d"},"location":"EU"})");
  auto dataset = client_->GetDataset("p", "d");
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(dataset->project_id, "p");
  EXPECT_EQ(dataset->dataset_id, "d");
  EXPECT_EQ(dataset->location, "EU");
  EXPECT_EQ(dataset->etag, "e1");
  HttpRequest request = Only();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "https://bq.test/bigquery/v2/projects/p/datasets/d");
  EXPECT_THAT(request.headers,
              ElementsAre(Pair("Authorization", "Bearer t1"), Pair("User-Agent", "test-agent")));
  EXPECT_EQ(request.body, "");
}

TEST_F(RestBigQueryClientTest, InsertDataset) {
  http_->Push(200, R"({"datasetReference":{"projectId":"p","datasetId":"d"},"location":"US"})");
  auto dataset = client_->InsertDataset(Dataset{"p", "d", "US", ""});
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  HttpRequest request = Only();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://bq.test/bigquery/v2/projects/p/datasets");
  EXPECT_EQ(request.Header("Content-Type"), "application/json; charset=UTF-8");
  EXPECT_EQ(request.body,
            R"({"datasetReference":{"projectId":"p","datasetId":"d"},"location":"US"})");
}

TEST_F(RestBigQueryClientTest, NotFoundCarriesReasonAndMessage) {
  http_->Push(404, R"({"error":{"code":404,"message":"Not found: Dataset p:d",
      "errors":[{"message":"Not found: Dataset p:d","domain":"global","reason":"notFound"}],
      "status":"NOT_FOUND"}})");
  auto dataset = client_->GetDataset("p", "d");
  EXPECT_EQ(dataset.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReason(dataset.status()), "notFound");
  EXPECT_EQ(dataset.status().message(),
            "datasets.get p:d: HTTP 404 notFound: Not found: Dataset p:d");
}

TEST_F(RestBigQueryClientTest, ListTablesFollowsPageTokens) {
  http_->Push(200, R"({"tables":[
    {"tableReference":{"projectId":"p","datasetId":"d","tableId":"tracks"},"type":"TABLE"},
    {"tableReference":{"projectId":"p","datasetId":"d","tableId":"tracks_view"},"type":"VIEW"}],
    "nextPageToken":"page 2"})");
  http_->Push(200, R"({"tables":[
    {"tableReference":{"projectId":"p","datasetId":"d","tableId":"pages"},"type":"TABLE"}]})");
  auto tables = client_->ListTables("p", "d");
  ASSERT_TRUE(tables.ok()) << tables.status();
  ASSERT_EQ(tables->size(), 3u);
  EXPECT_EQ((*tables)[0].ref.ToString(), "p:d.tracks");
  EXPECT_EQ((*tables)[1].type, "VIEW");
  EXPECT_EQ((*tables)[2].ref.table_id, "pages");
  ASSERT_EQ(http_->requests().size(), 2u);
  EXPECT_EQ(http_->requests()[0].url,
            "https://bq.test/bigquery/v2/projects/p/datasets/d/tables?maxResults=1000");
  EXPECT_EQ(http_->requests()[1].url,
            "https://bq.test/bigquery/v2/projects/p/datasets/d/tables?maxResults=1000"
            "&pageToken=page%202");
}

TEST_F(RestBigQueryClientTest, GetTableParsesSchemaPartitioningClustering) {
  http_->Push(200, R"({"kind":"bigquery#table","etag":"abc","id":"p:d.t",
    "tableReference":{"projectId":"p","datasetId":"d","tableId":"t"},
    "schema":{"fields":[{"name":"id","type":"STRING","mode":"REQUIRED"},
      {"name":"props","type":"RECORD","fields":[{"name":"x","type":"INTEGER","description":"xx"}]}]},
    "timePartitioning":{"type":"DAY","field":"received_at"},
    "clustering":{"fields":["event","user_id"]},
    "numRows":"12","type":"TABLE"})");
  auto table = client_->GetTable(ref_);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(Only().url, "https://bq.test/bigquery/v2/projects/p/datasets/d/tables/t");
  EXPECT_EQ(table->ref.ToString(), "p:d.t");
  EXPECT_EQ(table->etag, "abc");
  EXPECT_EQ(table->type, "TABLE");
  ASSERT_EQ(table->schema.size(), 2u);
  EXPECT_EQ(table->schema[0], (Field{"id", "STRING", "REQUIRED", "", {}}));
  EXPECT_EQ(
      table->schema[1],
      (Field{"props", "RECORD", "NULLABLE", "", {Field{"x", "INTEGER", "NULLABLE", "xx", {}}}}));
  EXPECT_EQ(table->time_partitioning, (TimePartitioning{"DAY", "received_at"}));
  EXPECT_THAT(table->clustering_fields, ElementsAre("event", "user_id"));
}

TEST_F(RestBigQueryClientTest, GetViewParsesQuery) {
  http_->Push(200, R"({"tableReference":{"projectId":"p","datasetId":"d","tableId":"v"},
    "type":"VIEW","view":{"query":"SELECT 1","useLegacySql":false}})");
  auto table = client_->GetTable({"p", "d", "v"});
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->type, "VIEW");
  EXPECT_EQ(table->view_query, "SELECT 1");
}

TEST_F(RestBigQueryClientTest, InsertTableBody) {
  http_->Push(200, R"({"tableReference":{"projectId":"p","datasetId":"d","tableId":"t"}})");
  Table table;
  table.ref = ref_;
  table.schema = {
      Field{"id", "STRING", "REQUIRED", "", {}},
      Field{"ctx", "RECORD", "NULLABLE", "", {Field{"ip", "STRING", "NULLABLE", "", {}}}}};
  table.time_partitioning = TimePartitioning{"DAY", "received_at"};
  table.clustering_fields = {"event"};
  table.description = "tracks";
  ASSERT_TRUE(client_->InsertTable(table).ok());
  HttpRequest request = Only();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://bq.test/bigquery/v2/projects/p/datasets/d/tables");
  EXPECT_EQ(request.body, R"({"tableReference":{"projectId":"p","datasetId":"d","tableId":"t"},)"
                          R"("schema":{"fields":[{"name":"id","type":"STRING","mode":"REQUIRED"},)"
                          R"({"name":"ctx","type":"RECORD","mode":"NULLABLE","fields":[)"
                          R"({"name":"ip","type":"STRING","mode":"NULLABLE"}]}]},)"
                          R"("timePartitioning":{"type":"DAY","field":"received_at"},)"
                          R"("clustering":{"fields":["event"]},"description":"tracks"})");
}

TEST_F(RestBigQueryClientTest, InsertViewBody) {
  http_->Push(200, R"({"tableReference":{"projectId":"p","datasetId":"d","tableId":"v"}})");
  Table view;
  view.ref = {"p", "d", "v"};
  view.view_query = "SELECT \"x\"";
  ASSERT_TRUE(client_->InsertTable(view).ok());
  EXPECT_EQ(Only().body, R"({"tableReference":{"projectId":"p","datasetId":"d","tableId":"v"},)"
                         R"("view":{"query":"SELECT \"x\"","useLegacySql":false}})");
}

TEST_F(RestBigQueryClientTest, PatchTableSchemaSendsIfMatch) {
  http_->Push(200,
              R"({"tableReference":{"projectId":"p","datasetId":"d","tableId":"t"},"etag":"e2"})");
  auto table = client_->PatchTableSchema(ref_, {Field{"a", "STRING", "NULLABLE", "", {}}}, "e1");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->etag, "e2");
  HttpRequest request = Only();
  EXPECT_EQ(request.method, "PATCH");
  EXPECT_EQ(request.url, "https://bq.test/bigquery/v2/projects/p/datasets/d/tables/t");
  EXPECT_EQ(request.Header("If-Match"), "e1");
  EXPECT_EQ(request.body,
            R"({"schema":{"fields":[{"name":"a","type":"STRING","mode":"NULLABLE"}]}})");
}

TEST_F(RestBigQueryClientTest, PatchWithoutEtagAndStaleEtag) {
  http_->Push(412, "");
  auto table = client_->PatchTableSchema(ref_, {}, "");
  EXPECT_EQ(table.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Only().Header("If-Match"), "");
}

TEST_F(RestBigQueryClientTest, DeleteTable) {
  http_->Push(204, "");
  EXPECT_TRUE(client_->DeleteTable(ref_).ok());
  EXPECT_EQ(Only().method, "DELETE");
}

TEST_F(RestBigQueryClientTest, InsertAllBodyAndRowErrors) {
  http_->Push(200, R"({"kind":"bigquery#tableDataInsertAllResponse","insertErrors":[
    {"index":0,"errors":[{"reason":"invalid","location":"location.latitude","debugInfo":"",
      "message":"Cannot convert value to floating point (bad value):"},
      {"reason":"invalid","location":"x","message":"no such field: x."}]},
    {"index":1,"errors":[{"reason":"stopped","location":"","debugInfo":"","message":""}]}]})");
  std::vector<InsertRow> rows = {{"m1", R"({"a":"1"})"}, {"m2", R"({"a":"2","n":"42"})"}};
  auto result = client_->InsertAll(ref_, rows, InsertOptions{false, true});
  ASSERT_TRUE(result.ok()) << result.status();
  HttpRequest request = Only();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://bq.test/bigquery/v2/projects/p/datasets/d/tables/t/insertAll");
  EXPECT_EQ(request.body,
            R"({"kind":"bigquery#tableDataInsertAllRequest","skipInvalidRows":false,)"
            R"("ignoreUnknownValues":true,"rows":[{"insertId":"m1","json":{"a":"1"}},)"
            R"({"insertId":"m2","json":{"a":"2","n":"42"}}]})");
  ASSERT_EQ(result->row_errors.size(), 3u);
  EXPECT_EQ(result->row_errors[0].index, 0u);
  EXPECT_EQ(result->row_errors[0].reason, "invalid");
  EXPECT_EQ(result->row_errors[0].location, "location.latitude");
  EXPECT_EQ(result->row_errors[0].message, "Cannot convert value to floating point (bad value):");
  EXPECT_EQ(result->row_errors[1].index, 0u);
  EXPECT_EQ(result->row_errors[1].message, "no such field: x.");
  EXPECT_EQ(result->row_errors[2].index, 1u);
  EXPECT_EQ(result->row_errors[2].reason, "stopped");
}

TEST_F(RestBigQueryClientTest, InsertAllWithoutInsertErrorsIsSuccess) {
  http_->Push(200, R"({"kind":"bigquery#tableDataInsertAllResponse"})");
  std::vector<InsertRow> rows = {{"m1", "{}"}};
  auto result = client_->InsertAll(ref_, rows, {});
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->row_errors.empty());
}

TEST_F(RestBigQueryClientTest, UnauthorizedRefreshesTokenOnceAndRetries) {
  http_->Push(
      401, R"({"error":{"code":401,"message":"Request had invalid authentication credentials."}})");
  http_->Push(200, R"({"tableReference":{"projectId":"p","datasetId":"d","tableId":"t"}})");
  ASSERT_TRUE(client_->GetTable(ref_).ok());
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].Header("Authorization"), "Bearer t1");
  EXPECT_EQ(requests[1].Header("Authorization"), "Bearer t2");
}

TEST_F(RestBigQueryClientTest, SecondUnauthorizedIsAnError) {
  http_->Push(401, "");
  http_->Push(401, "");
  EXPECT_EQ(client_->GetTable(ref_).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(http_->requests().size(), 2u);
}

TEST_F(RestBigQueryClientTest, NoCredentialsSendNoAuthorization) {
  RestOptions options;
  options.api_base = kApi;
  RestBigQueryClient client(options, http_, std::make_shared<auth::NoCredentials>(), &clock_);
  http_->Push(204, "");
  ASSERT_TRUE(client.DeleteTable(ref_).ok());
  EXPECT_EQ(Only().Header("Authorization"), "");
}

TEST_F(RestBigQueryClientTest, TransportErrorGetsContext) {
  http_->Push(absl::UnavailableError("Connection refused"));
  auto table = client_->GetTable(ref_);
  EXPECT_EQ(table.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(table.status().message(), "tables.get p:d.t: Connection refused");
}

TEST_F(RestBigQueryClientTest, QueryCompleteAtOnce) {
  http_->Push(200, R"({"kind":"bigquery#queryResponse","jobComplete":true,
    "jobReference":{"projectId":"p","jobId":"job1","location":"EU"},
    "schema":{"fields":[{"name":"n","type":"INTEGER"},{"name":"s","type":"STRING"}]},
    "rows":[{"f":[{"v":"1"},{"v":"a"}]},{"f":[{"v":"2"},{"v":null}]}],"totalRows":"2"})");
  QueryRequest query{"p", "SELECT n, s FROM d.t", "EU", "req-1", 5000};
  auto result = client_->Query(query);
  ASSERT_TRUE(result.ok()) << result.status();
  HttpRequest request = Only();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://bq.test/bigquery/v2/projects/p/queries");
  EXPECT_EQ(request.body,
            R"({"query":"SELECT n, s FROM d.t","useLegacySql":false,"requestId":"req-1",)"
            R"("location":"EU","timeoutMs":5000})");
  EXPECT_EQ(request.timeout, absl::Seconds(65));  // timeoutMs + request_timeout
  EXPECT_EQ(result->job_id, "job1");
  ASSERT_EQ(result->schema.size(), 2u);
  EXPECT_EQ(result->schema[0].name, "n");
  EXPECT_EQ(result->schema[0].type, "INTEGER");
  ASSERT_EQ(result->rows.size(), 2u);
  EXPECT_THAT(result->rows[0], ElementsAre(Optional(std::string("1")), Optional(std::string("a"))));
  EXPECT_THAT(result->rows[1], ElementsAre(Optional(std::string("2")), std::nullopt));
}

TEST_F(RestBigQueryClientTest, QueryGeneratesRequestId) {
  http_->Push(200, R"({"jobComplete":true,"jobReference":{"jobId":"j"}})");
  ASSERT_TRUE(client_->Query(QueryRequest{"p", "SELECT 1", "", "", 1000}).ok());
  EXPECT_THAT(Only().body, HasSubstr(R"("useLegacySql":false,"requestId":")"));
  EXPECT_THAT(Only().body, ::testing::Not(HasSubstr(R"("requestId":"")")));
}

TEST_F(RestBigQueryClientTest, QueryPollsUntilCompleteThenPages) {
  http_->Push(
      200,
      R"({"jobComplete":false,"jobReference":{"projectId":"p","jobId":"j 1","location":"EU"}})");
  http_->Push(
      200,
      R"({"jobComplete":false,"jobReference":{"projectId":"p","jobId":"j 1","location":"EU"}})");
  http_->Push(200,
              R"({"jobComplete":true,"jobReference":{"projectId":"p","jobId":"j 1","location":"EU"},
    "schema":{"fields":[{"name":"n","type":"INTEGER"}]},"rows":[{"f":[{"v":"1"}]}],"pageToken":"tok/2"})");
  http_->Push(200,
              R"({"jobComplete":true,"jobReference":{"projectId":"p","jobId":"j 1","location":"EU"},
    "schema":{"fields":[{"name":"n","type":"INTEGER"}]},"rows":[{"f":[{"v":"2"}]},{"f":[{"v":{"a":[1,2]}}]}]})");
  auto result = client_->Query(QueryRequest{"p", "SELECT n", "", "r", 2000});
  ASSERT_TRUE(result.ok()) << result.status();
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].url,
            "https://bq.test/bigquery/v2/projects/p/queries/j%201?timeoutMs=2000&location=EU");
  EXPECT_EQ(requests[2].url, requests[1].url);
  EXPECT_EQ(requests[3].url,
            "https://bq.test/bigquery/v2/projects/p/queries/j%201?timeoutMs=2000&location=EU"
            "&pageToken=tok%2F2");
  ASSERT_EQ(result->rows.size(), 3u);
  EXPECT_EQ(result->rows[0][0], "1");
  EXPECT_EQ(result->rows[1][0], "2");
  EXPECT_EQ(result->rows[2][0], R"({"a":[1,2]})");
  EXPECT_EQ(result->schema.size(), 1u);
  EXPECT_EQ(clock_.TotalSlept(), absl::Seconds(3));  // 1 s, then 2 s between polls
}

TEST_F(RestBigQueryClientTest, QueryErrorIsMapped) {
  http_->Push(400,
              R"({"error":{"code":400,"message":"Syntax error: Unexpected end of script at [1:7]",
    "errors":[{"reason":"invalidQuery","message":"Syntax error"}]}})");
  auto result = client_->Query(QueryRequest{"p", "SELECT", "", "r", 1000});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(result.status()), "invalidQuery");
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("Unexpected end of script"));
}

TEST_F(RestBigQueryClientTest, DmlAffectedRows) {
  http_->Push(200,
              R"({"jobComplete":true,"jobReference":{"jobId":"j"},"numDmlAffectedRows":"17"})");
  auto result = client_->Query(QueryRequest{"p", "DELETE FROM t WHERE true", "", "r", 1000});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->num_dml_affected_rows, 17);
}

TEST_F(RestBigQueryClientTest, GetJob) {
  http_->Push(200, R"({"jobReference":{"projectId":"p","jobId":"j","location":"EU"},
    "status":{"state":"DONE","errorResult":{"reason":"invalid","message":"bad row"},
      "errors":[{"reason":"invalid","location":"line 1","message":"bad row"}]},
    "statistics":{"load":{"outputRows":"0"}}})");
  auto job = client_->GetJob("p", "j", "EU");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(Only().url, "https://bq.test/bigquery/v2/projects/p/jobs/j?location=EU");
  EXPECT_EQ(job->state, "DONE");
  ASSERT_TRUE(job->error_result.has_value());
  EXPECT_EQ(job->error_result->reason, "invalid");
  ASSERT_EQ(job->errors.size(), 1u);
  EXPECT_EQ(job->errors[0].location, "line 1");
}

LoadJobRequest Load() {
  LoadJobRequest request;
  request.destination = {"p", "d", "t"};
  request.job_id = "load_1";
  request.location = "US";
  request.schema = {Field{"a", "STRING", "NULLABLE", "", {}}};
  request.schema_update_options = {"ALLOW_FIELD_ADDITION"};
  request.time_partitioning = TimePartitioning{"DAY", ""};
  return request;
}

constexpr char kLoadJobJson[] =
    R"({"jobReference":{"projectId":"p","jobId":"load_1","location":"US"},)"
    R"("configuration":{"load":{"destinationTable":{"projectId":"p","datasetId":"d","tableId":"t"},)"
    R"("sourceFormat":"NEWLINE_DELIMITED_JSON","schema":{"fields":[{"name":"a","type":"STRING",)"
    R"("mode":"NULLABLE"}]},"writeDisposition":"WRITE_APPEND","createDisposition":"CREATE_IF_NEEDED",)"
    R"("schemaUpdateOptions":["ALLOW_FIELD_ADDITION"],"timePartitioning":{"type":"DAY"},)"
    R"("ignoreUnknownValues":false,"maxBadRecords":0}}})";

std::string JobJson(const std::string& id, const std::string& state,
                    const std::string& extra = "") {
  return R"({"jobReference":{"projectId":"p","jobId":")" + id +
         R"(","location":"US"},"status":{"state":")" + state + "\"" + extra +
         R"(},"statistics":{"load":{"outputRows":"2"}}})";
}

TEST_F(RestBigQueryClientTest, LoadJobMultipartThenPolls) {
  http_->Push(200, JobJson("load_1", "RUNNING"));
  http_->Push(200, JobJson("load_1", "RUNNING"));
  http_->Push(200, JobJson("load_1", "DONE"));
  std::string ndjson = "{\"a\":\"x\"}\n{\"a\":\"y\"}\n";
  auto job = client_->RunLoadJob(Load(), ndjson);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state, "DONE");
  EXPECT_FALSE(job->error_result.has_value());
  EXPECT_EQ(job->output_rows, 2);
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url,
            "https://bq.test/upload/bigquery/v2/projects/p/jobs?uploadType=multipart");
  std::string content_type(requests[0].Header("Content-Type"));
  ASSERT_THAT(content_type, StartsWith("multipart/related; boundary="));
  std::string boundary = content_type.substr(content_type.find('=') + 1);
  EXPECT_EQ(requests[0].body, "--" + boundary +
                                  "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" +
                                  kLoadJobJson + "\r\n--" + boundary +
                                  "\r\nContent-Type: application/octet-stream\r\n\r\n" + ndjson +
                                  "\r\n--" + boundary + "--\r\n");
  EXPECT_EQ(requests[0].timeout, absl::Minutes(10));  // upload_timeout
  EXPECT_EQ(requests[1].url, "https://bq.test/bigquery/v2/projects/p/jobs/load_1?location=US");
  EXPECT_EQ(requests[1].timeout, absl::Seconds(60));  // request_timeout
  EXPECT_EQ(clock_.TotalSlept(), absl::Seconds(3));
}

TEST_F(RestBigQueryClientTest, LoadJobConflictOnOwnIdGetsTheJob) {
  http_->Push(409, R"({"error":{"code":409,"message":"Already Exists: Job p:US.load_1",
    "errors":[{"reason":"duplicate"}]}})");
  http_->Push(200, JobJson("load_1", "DONE"));
  auto job = client_->RunLoadJob(Load(), "{}\n");
  ASSERT_TRUE(job.ok()) << job.status();
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].url, "https://bq.test/bigquery/v2/projects/p/jobs/load_1?location=US");
}

TEST_F(RestBigQueryClientTest, LoadJobFailureIsReturnedOnTheJob) {
  http_->Push(
      200,
      JobJson(
          "load_1", "DONE",
          R"(,"errorResult":{"reason":"invalid","message":"JSON table encountered too many errors"})"));
  auto job = client_->RunLoadJob(Load(), "{}\n");
  ASSERT_TRUE(job.ok());
  ASSERT_TRUE(job->error_result.has_value());
  EXPECT_EQ(job->error_result->reason, "invalid");
  EXPECT_EQ(http_->requests().size(), 1u);
}

TEST_F(RestBigQueryClientTest, LoadJobBackendErrorRerunsUnderNewId) {
  http_->Push(200, JobJson("load_1", "DONE", R"(,"errorResult":{"reason":"jobBackendError"})"));
  http_->SetHandler([](const HttpRequest& request) -> absl::StatusOr<http_client::HttpResponse> {
    return http_client::HttpResponse{200, {}, JobJson("new", "DONE")};
  });
  auto job = client_->RunLoadJob(Load(), "{}\n");
  ASSERT_TRUE(job.ok());
  EXPECT_FALSE(job->error_result.has_value());
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_THAT(requests[1].body, HasSubstr(R"("jobId":"opentrack_load_)"));
  EXPECT_THAT(requests[1].body, ::testing::Not(HasSubstr(R"("jobId":"load_1")")));
}

TEST_F(RestBigQueryClientTest, LoadJobGeneratesJobId) {
  http_->Push(200, JobJson("x", "DONE"));
  LoadJobRequest request = Load();
  request.job_id.clear();
  ASSERT_TRUE(client_->RunLoadJob(request, "{}\n").ok());
  EXPECT_THAT(Only().body,
              HasSubstr(R"({"jobReference":{"projectId":"p","jobId":"opentrack_load_)"));
}

TEST_F(RestBigQueryClientTest, LoadJobResumableInChunks) {
  std::string ndjson(100, 'x');  // above the 64-byte multipart limit; chunks of 40
  http_->Push(200, "", {{"Location", "https://bq.test/session?id=1"}});
  http_->Push(308, "", {{"Range", "bytes=0-39"}});
  http_->Push(308, "", {{"Range", "bytes=0-79"}});
  http_->Push(200, JobJson("load_1", "DONE"));
  auto job = client_->RunLoadJob(Load(), ndjson);
  ASSERT_TRUE(job.ok()) << job.status();
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url,
            "https://bq.test/upload/bigquery/v2/projects/p/jobs?uploadType=resumable");
  EXPECT_EQ(requests[0].body, kLoadJobJson);
  EXPECT_EQ(requests[0].Header("X-Upload-Content-Length"), "100");
  EXPECT_EQ(requests[0].Header("X-Upload-Content-Type"), "application/octet-stream");
  EXPECT_EQ(requests[1].method, "PUT");
  EXPECT_EQ(requests[1].url, "https://bq.test/session?id=1");
  EXPECT_EQ(requests[1].Header("Content-Range"), "bytes 0-39/100");
  EXPECT_EQ(requests[1].body.size(), 40u);
  EXPECT_EQ(requests[2].Header("Content-Range"), "bytes 40-79/100");
  EXPECT_EQ(requests[3].Header("Content-Range"), "bytes 80-99/100");
  EXPECT_EQ(requests[3].body.size(), 20u);
}

TEST_F(RestBigQueryClientTest, LoadJobResumableResumesAfterReset) {
  std::string ndjson(100, 'x');
  http_->Push(200, "", {{"Location", "https://bq.test/session"}});
  http_->Push(308, "", {{"Range", "bytes=0-39"}});
  http_->Push(absl::UnavailableError("Connection reset by peer"));
  http_->Push(308, "", {{"Range", "bytes=0-59"}});  // the server kept 60 bytes
  http_->Push(200, JobJson("load_1", "DONE"));
  auto job = client_->RunLoadJob(Load(), ndjson);
  ASSERT_TRUE(job.ok()) << job.status();
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[3].Header("Content-Range"), "bytes */100");
  EXPECT_EQ(requests[3].body, "");
  EXPECT_EQ(requests[4].Header("Content-Range"), "bytes 60-99/100");
  EXPECT_EQ(requests[4].body.size(), 40u);
}

}  // namespace
}  // namespace opentrack::bigquery
