#include "http_client/curl_http_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_server/http_server.h"
#include "zlib.h"

namespace opentrack::http_client {
namespace {

using ::testing::HasSubstr;

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

class CurlHttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = http::Server::Start({}, [this](http::Request request, http::Responder respond) {
      {
        absl::MutexLock lock(&mu_);
        remotes_.insert(request.remote_address);
      }
      if (request.path == "/echo") {
        std::string body = request.method + " " + request.target + "\n" +
                           std::string(request.Header("X-Custom")) + "\n" +
                           std::string(request.Header("Content-Type")) + "\n" +
                           std::string(request.Header("Accept-Encoding")) + "\n" + request.body;
        http::Response response = http::Response::Text(201, body);
        response.SetHeader("X-Reply", "yes");
        respond(std::move(response));
      } else if (request.path == "/gzip") {
        http::Response response;
        response.status = 200;
        response.body = Gzip("hello, compressed world");
        response.SetHeader("Content-Encoding", "gzip");
        respond(std::move(response));
      } else if (request.path == "/hang") {
        std::lock_guard<std::mutex> lock(hang_mu_);
        hung_.push_back(std::move(respond));  // answered at teardown
      } else {
        respond(http::Response::Json(404, R"({"error":"nope"})"));
      }
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(hang_mu_);
      for (auto& respond : hung_) respond(http::Response::Text(200, "late"));
      hung_.clear();
    }
    server_->Shutdown(absl::Seconds(2));
  }

  std::unique_ptr<http::Server> server_;
  std::string base_;
  absl::Mutex mu_;
  std::set<std::string> remotes_ ABSL_GUARDED_BY(mu_);
  std::mutex hang_mu_;
  std::vector<http::Responder> hung_;
};

TEST_F(CurlHttpClientTest, SendsMethodHeadersBodyAndReadsResponse) {
  CurlHttpClient client;
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    HttpRequest request;
    request.method = method;
    request.url = base_ + "/echo?a=1";
    request.headers = {{"X-Custom", "v1"}, {"Content-Type", "application/json"}};
    request.body = R"({"k":"v"})";
    auto response = client.Send(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 201);
    EXPECT_EQ(response->Header("x-reply"), "yes");  // case-insensitive
    EXPECT_THAT(response->body,
                ::testing::StartsWith(std::string(method) + " /echo?a=1\nv1\napplication/json\n"));
    EXPECT_THAT(response->body, ::testing::EndsWith("\n{\"k\":\"v\"}"));
  }
}

TEST_F(CurlHttpClientTest, GetAndDeleteWithoutBody) {
  CurlHttpClient client;
  HttpRequest get;
  get.url = base_ + "/echo";
  auto response = client.Send(get);
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->body, ::testing::StartsWith("GET /echo\n\n\n"));
  HttpRequest del;
  del.method = "DELETE";
  del.url = base_ + "/echo";
  response = client.Send(del);
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->body, ::testing::StartsWith("DELETE /echo\n"));
}

TEST_F(CurlHttpClientTest, HttpErrorsAreResponsesNotStatuses) {
  CurlHttpClient client;
  HttpRequest request;
  request.url = base_ + "/missing";
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, R"({"error":"nope"})");
}

TEST_F(CurlHttpClientTest, AcceptsAndDecodesGzip) {
  CurlHttpClient client;
  HttpRequest request;
  request.url = base_ + "/gzip";
  auto response = client.Send(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "hello, compressed world");
  request.url = base_ + "/echo";
  response = client.Send(request);
  EXPECT_THAT(response->body, HasSubstr("gzip"));
}

TEST_F(CurlHttpClientTest, ReusesTheConnection) {
  CurlHttpClient client;
  HttpRequest request;
  request.url = base_ + "/echo";
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.Send(request).ok());
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(remotes_.size(), 1u);  // one client port: one keep-alive connection
}

TEST_F(CurlHttpClientTest, ConcurrentSends) {
  CurlHttpClient client;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        HttpRequest request;
        request.method = "POST";
        request.url = base_ + "/echo";
        request.body = "x";
        auto response = client.Send(request);
        if (response.ok() && response->status == 201) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
}

TEST_F(CurlHttpClientTest, TimeoutIsDeadlineExceeded) {
  CurlHttpClient client;
  HttpRequest request;
  request.url = base_ + "/hang";
  request.timeout = absl::Milliseconds(200);
  auto response = client.Send(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(response.status().message()), HasSubstr("/hang"));
}

TEST(CurlHttpClientErrorsTest, ConnectionRefusedIsUnavailable) {
  // Bind a port, then close it, so nothing listens there.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);

  CurlHttpClient client;
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto response = client.Send(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(response.status().message()), HasSubstr("127.0.0.1"));
}

TEST(UrlEncodeTest, KeepsUnreservedOnly) {
  EXPECT_EQ(UrlEncode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(UrlEncode("p:d/t x&y=z"), "p%3Ad%2Ft%20x%26y%3Dz");
}

TEST(FindHeaderTest, CaseInsensitiveFirstMatch) {
  Headers headers = {{"Content-Type", "a"}, {"content-type", "b"}};
  EXPECT_EQ(FindHeader(headers, "CONTENT-TYPE"), "a");
  EXPECT_EQ(FindHeader(headers, "Range"), "");
}

}  // namespace
}  // namespace opentrack::http_client
