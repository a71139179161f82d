// The whole client stack (MakeBigQueryClient: Retrying over Rest over
// CurlHttpClient, with authorized-user credentials) against a small fake
// BigQuery and token endpoint served by http_server on 127.0.0.1:0.
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "auth/default_credentials.h"
#include "bigquery/client_factory.h"
#include "bigquery/error_mapping.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_client/curl_http_client.h"
#include "http_server/http_server.h"

namespace opentrack::bigquery {
namespace {

using ::testing::HasSubstr;

class FakeBigQuery {
 public:
  FakeBigQuery() {
    auto server = http::Server::Start({}, [this](http::Request r, http::Responder respond) {
      absl::MutexLock lock(&mu_);
      log_.push_back(r.method + " " + r.target);
      respond(Handle(r));
    });
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::string host() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<std::string> log() {
    absl::MutexLock lock(&mu_);
    return log_;
  }
  std::string uploaded() {
    absl::MutexLock lock(&mu_);
    return uploaded_;
  }

 private:
  static std::string JobJson(const std::string& state) {
    return R"({"jobReference":{"projectId":"p","jobId":"load_e2e","location":"US"},)"
           R"("status":{"state":")" +
           state + R"("},"statistics":{"load":{"outputRows":"2"}}})";
  }

  http::Response Handle(const http::Request& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (r.path == "/token") {
      ++tokens_;
      return http::Response::Json(200, R"({"access_token":"tok-)" + std::to_string(tokens_) +
                                           R"(","expires_in":3600,"token_type":"Bearer"})");
    }
    // The first token is "revoked": the client must refresh once and resend.
    if (r.Header("Authorization") != "Bearer tok-" + std::to_string(tokens_) || tokens_ < 2) {
      return http::Response::Json(401, R"({"error":{"code":401,"message":"Invalid Credentials",)"
                                       R"("errors":[{"reason":"authError"}]}})");
    }
    if (r.path == "/bigquery/v2/projects/p/datasets/d") {
      if (++dataset_gets_ == 1) return http::Response::Text(503, "");  // retried
      return http::Response::Json(
          200, R"({"datasetReference":{"projectId":"p","datasetId":"d"},"location":"US"})");
    }
    if (r.path == "/bigquery/v2/projects/p/datasets/d/tables" && r.method == "POST") {
      return http::Response::Json(
          409, R"({"error":{"code":409,"message":"Already Exists: Table p:d.t",)"
               R"("errors":[{"reason":"duplicate"}],"status":"ALREADY_EXISTS"}})");
    }
    if (r.path == "/bigquery/v2/projects/p/datasets/d/tables/t" && r.method == "GET") {
      return http::Response::Json(
          200, R"({"tableReference":{"projectId":"p","datasetId":"d","tableId":"t"},)"
               R"("etag":"e1","schema":{"fields":[{"name":"a","type":"STRING"}]}})");
    }
    if (r.path == "/bigquery/v2/projects/p/datasets/d/tables/t/insertAll") {
      bool bad = r.body.find(R"("json":{"a":1})") != std::string::npos;
      return http::Response::Json(
          200, bad ? R"({"insertErrors":[{"index":1,"errors":[{"reason":"invalid","location":"a",)"
                     R"("message":"Conversion from int to string is unsupported."}]},)"
                     R"({"index":0,"errors":[{"reason":"stopped","message":""}]}]})"
                   : R"({"kind":"bigquery#tableDataInsertAllResponse"})");
    }
    if (r.path == "/upload/bigquery/v2/projects/p/jobs" &&
        r.QueryParam("uploadType") == "multipart") {
      if (!r.Header("Content-Type").starts_with("multipart/related; boundary=")) {
        return http::Response::Text(400, "not multipart");
      }
      uploaded_ = r.body;
      return http::Response::Json(200, JobJson("RUNNING"));
    }
    if (r.path == "/upload/bigquery/v2/projects/p/jobs" &&
        r.QueryParam("uploadType") == "resumable") {
      http::Response response = http::Response::Json(200, "");
      response.SetHeader("Location", "http://" + host() + "/upload/session/1");
      uploaded_.clear();
      return response;
    }
    if (r.path == "/upload/session/1" && r.method == "PUT") {
      uploaded_ += r.body;
      std::string range(r.Header("Content-Range"));
      std::string total = range.substr(range.find('/') + 1);
      if (std::to_string(uploaded_.size()) == total)
        return http::Response::Json(200, JobJson("DONE"));
      http::Response response;
      response.status = 308;
      response.SetHeader("Range", "bytes=0-" + std::to_string(uploaded_.size() - 1));
      return response;
    }
    if (r.path == "/bigquery/v2/projects/p/jobs/load_e2e") {
      return http::Response::Json(200, JobJson("DONE"));
    }
    return http::Response::Json(404, R"({"error":{"code":404,"message":"Not found: )" + r.path +
                                         R"(","errors":[{"reason":"notFound"}]}})");
  }

  std::unique_ptr<http::Server> server_;
  absl::Mutex mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
  int tokens_ ABSL_GUARDED_BY(mu_) = 0;
  int dataset_gets_ ABSL_GUARDED_BY(mu_) = 0;
  std::string uploaded_ ABSL_GUARDED_BY(mu_);
};

class BigQueryE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto http = std::make_shared<http_client::CurlHttpClient>();
    auth::CredentialsConfig config;
    config.http = http;
    config.clock = &clock_;
    config.credentials_json =
        R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})";
    config.token_uri_override = "http://" + fake_.host() + "/token";
    auto credentials = auth::DefaultCredentials(config);
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    ClientOptions options;
    options.api_base = "http://" + fake_.host() + "/bigquery/v2";
    options.upload_base = "http://" + fake_.host() + "/upload/bigquery/v2/";
    options.credentials = *credentials;
    options.http = http;
    options.clock = &clock_;
    options.jitter = [] { return 0.5; };
    options.rest.multipart_limit = 64;
    options.rest.resumable_chunk_bytes = 50;
    auto client = MakeBigQueryClient(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  FakeClock clock_;
  FakeBigQuery fake_;
  std::unique_ptr<BigQueryClient> client_;
};

TEST_F(BigQueryE2eTest, TokenRefreshAndRetryOverTheWire) {
  auto dataset = client_->GetDataset("p", "d");
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(dataset->location, "US");
  // token, 401, token, 503, retry after 0.5 s.
  EXPECT_EQ(fake_.log(),
            (std::vector<std::string>{"POST /token", "GET /bigquery/v2/projects/p/datasets/d",
                                      "POST /token", "GET /bigquery/v2/projects/p/datasets/d",
                                      "GET /bigquery/v2/projects/p/datasets/d"}));
  EXPECT_EQ(clock_.TotalSlept(), absl::Milliseconds(500));
}

TEST_F(BigQueryE2eTest, InsertTableConflictReturnsExisting) {
  Table table;
  table.ref = {"p", "d", "t"};
  table.schema = {Field{"a", "STRING", "NULLABLE", "", {}}};
  auto result = client_->InsertTable(table);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->etag, "e1");
}

TEST_F(BigQueryE2eTest, InsertAllRowErrors) {
  std::vector<InsertRow> good = {{"1", R"({"a":"x"})"}};
  auto ok = client_->InsertAll({"p", "d", "t"}, good, {});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(ok->row_errors.empty());
  std::vector<InsertRow> rows = {{"1", R"({"a":"x"})"}, {"2", R"({"a":1})"}};
  auto result = client_->InsertAll({"p", "d", "t"}, rows, {});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->row_errors.size(), 2u);
  EXPECT_EQ(result->row_errors[0].index, 1u);
  EXPECT_EQ(result->row_errors[0].message, "Conversion from int to string is unsupported.");
  EXPECT_EQ(result->row_errors[1].reason, "stopped");
}

TEST_F(BigQueryE2eTest, MultipartLoadJob) {
  LoadJobRequest request;
  request.destination = {"p", "d", "t"};
  request.job_id = "load_e2e";
  request.location = "US";
  auto job = client_->RunLoadJob(request, "{\"a\":\"x\"}\n");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state, "DONE");
  EXPECT_EQ(job->output_rows, 2);
  EXPECT_THAT(fake_.uploaded(), HasSubstr("\r\n\r\n{\"a\":\"x\"}\n\r\n--"));
}

TEST_F(BigQueryE2eTest, ResumableLoadJob) {
  LoadJobRequest request;
  request.destination = {"p", "d", "t"};
  request.job_id = "load_e2e";
  std::string ndjson;
  for (int i = 0; i < 12; ++i) ndjson += "{\"a\":\"row" + std::to_string(i) + "\"}\n";
  auto job = client_->RunLoadJob(request, ndjson);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state, "DONE");
  EXPECT_EQ(fake_.uploaded(), ndjson);
}

TEST_F(BigQueryE2eTest, NotFoundIsNotRetried) {
  auto job = client_->GetJob("p", "missing", "US");
  EXPECT_EQ(job.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReason(job.status()), "notFound");
}

}  // namespace
}  // namespace opentrack::bigquery
