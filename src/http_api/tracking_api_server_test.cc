// The Tracking API behind a real http::Server on port 0, driven by libcurl the
// way an SDK would: keep-alive, Basic auth, gzip, and an answer that arrives
// from the sink's own thread.
#include <curl/curl.h>

#include <string>
#include <thread>

#include "common/clock.h"
#include "gtest/gtest.h"
#include "http_api/fake_event_sink.h"
#include "http_api/test_util.h"
#include "http_api/tracking_api.h"
#include "http_server/http_server.h"

namespace opentrack::http_api {
namespace {

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Answers each Append from a thread of its own, as the spool's fsync would.
class ThreadedSink final : public EventSink {
 public:
  ~ThreadedSink() override {
    for (auto& thread : threads_) thread.join();
  }
  void Append(std::string_view source, AcceptedRequest request,
              std::function<void(absl::Status)> done) override {
    inner_.Append(source, std::move(request), [](absl::Status) {});
    threads_.emplace_back([done = std::move(done)] { done(absl::OkStatus()); });
  }
  FakeEventSink inner_;

 private:
  std::vector<std::thread> threads_;
};

TEST(TrackingApiServerTest, CurlPostsThroughRealServer) {
  ThreadedSink sink;
  metrics::Registry registry;
  ApiOptions options;
  options.sources = {{"web", "key-web"}};
  TrackingApi api(options, &sink, RealClock::Get(), &registry);
  auto server = http::Server::Start({}, api.AsHandler());
  ASSERT_TRUE(server.ok()) << server.status();

  CURL* curl = curl_easy_init();
  ASSERT_NE(curl, nullptr);
  std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/v1/batch";
  std::string body = testing::Compress(
      R"({"batch":[{"type":"track","userId":"u","event":"A"},{"type":"page","userId":"u"}]})");
  std::string response;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: text/plain");
  headers = curl_slist_append(headers, "Content-Encoding: gzip");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERPWD, "key-web:");
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");

  for (int i = 0; i < 3; ++i) {  // one connection, reused
    response.clear();
    ASSERT_EQ(curl_easy_perform(curl), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(response, R"({"success":true})");
  }
  long connects = -1;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  EXPECT_EQ(connects, 0);  // the last transfer reused the connection

  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  (*server)->Shutdown(absl::Seconds(5));
  auto appends = sink.inner_.appends();
  ASSERT_EQ(appends.size(), 3u);
  EXPECT_EQ(appends[0].source, "web");
  EXPECT_EQ(appends[0].request.accepted, 2u);
  std::vector<segment::AcceptedEvent> events = appends[0].events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, segment::EventType::kPage);
}

}  // namespace
}  // namespace opentrack::http_api
