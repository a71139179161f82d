#include "http_api/tracking_api.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_api/fake_event_sink.h"
#include "http_api/test_util.h"

namespace opentrack::http_api {
namespace {

using testing::BasicAuth;
using testing::Compress;
using ::testing::HasSubstr;
using ::testing::Pair;
using testing::Post;
using ::testing::StartsWith;

constexpr char kTrack[] = R"({"userId":"u1","event":"Signed Up"})";

class TrackingApiTest : public ::testing::Test {
 protected:
  TrackingApiTest() { Reset({}); }

  void Reset(ApiOptions options, bool default_sources = true) {
    if (default_sources && options.sources.empty()) {
      options.sources = {{"web", "key-web"}, {"ios", "key-ios"}};
    }
    api_.reset();
    registry_ = std::make_unique<metrics::Registry>();
    api_ = std::make_unique<TrackingApi>(std::move(options), &sink_, &clock_, registry_.get());
  }

  // Runs a request whose answer must come before Handle returns.
  http::Response Call(http::Request request) {
    std::optional<http::Response> answer = Start(std::move(request));
    EXPECT_TRUE(answer_) << "no answer";
    return answer_ ? *answer_ : http::Response{};
  }

  // Runs a request; its answer, if any yet, lands in answer_.
  std::optional<http::Response> Start(http::Request request) {
    answer_.reset();
    api_->Handle(std::move(request), [this](http::Response response) { answer_ = response; });
    return answer_;
  }

  http::Response PostWithKey(std::string path, std::string body, std::string key = "key-web") {
    http::Request request = Post(std::move(path), std::move(body));
    request.headers.emplace_back("Authorization", BasicAuth(key));
    return Call(std::move(request));
  }

  FakeClock clock_;
  FakeEventSink sink_;
  std::unique_ptr<metrics::Registry> registry_;
  std::unique_ptr<TrackingApi> api_;
  std::optional<http::Response> answer_;
};

TEST_F(TrackingApiTest, EveryPathAndShortPath) {
  struct Case {
    const char* path;
    const char* body;
    segment::EventType type;
  };
  const std::string batch = R"({"batch":[{"type":"track","userId":"u","event":"E"}]})";
  const Case cases[] = {
      {"/v1/track", kTrack, segment::EventType::kTrack},
      {"/v1/t", kTrack, segment::EventType::kTrack},
      {"/v1/identify", R"({"userId":"u"})", segment::EventType::kIdentify},
      {"/v1/i", R"({"userId":"u"})", segment::EventType::kIdentify},
      {"/v1/page", R"({"userId":"u","name":"Home"})", segment::EventType::kPage},
      {"/v1/p", R"({"userId":"u","name":"Home"})", segment::EventType::kPage},
      {"/v1/screen", R"({"userId":"u","name":"Home"})", segment::EventType::kScreen},
      {"/v1/s", R"({"userId":"u","name":"Home"})", segment::EventType::kScreen},
      {"/v1/group", R"({"userId":"u","groupId":"g"})", segment::EventType::kGroup},
      {"/v1/g", R"({"userId":"u","groupId":"g"})", segment::EventType::kGroup},
      {"/v1/alias", R"({"userId":"u","previousId":"p"})", segment::EventType::kAlias},
      {"/v1/a", R"({"userId":"u","previousId":"p"})", segment::EventType::kAlias},
      {"/v1/batch", batch.c_str(), segment::EventType::kTrack},
      {"/v1/import", batch.c_str(), segment::EventType::kTrack},
      {"/v1/b", batch.c_str(), segment::EventType::kTrack},
  };
  size_t n = 0;
  for (const Case& c : cases) {
    http::Response response = PostWithKey(c.path, c.body);
    EXPECT_EQ(response.status, 200) << c.path << " " << response.body;
    EXPECT_EQ(response.body, R"({"success":true})") << c.path;
    EXPECT_EQ(response.Header("Content-Type"), "application/json");
    auto appends = sink_.appends();
    ASSERT_EQ(appends.size(), ++n) << c.path;
    EXPECT_EQ(appends.back().source, "web");
    ASSERT_EQ(appends.back().events().size(), 1u);
    EXPECT_EQ(appends.back().events()[0].type, c.type) << c.path;
  }
}

TEST_F(TrackingApiTest, BasicKeyWinsOverBodyKey) {
  http::Response response =
      PostWithKey("/v1/track", R"({"writeKey":"key-web","userId":"u","event":"E"})", "key-ios");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(sink_.appends().at(0).source, "ios");
}

TEST_F(TrackingApiTest, BodyKeyUsedWithoutBasic) {
  EXPECT_EQ(Call(Post("/v1/track", R"({"writeKey":"key-ios","userId":"u","event":"E"})")).status,
            200);
  EXPECT_EQ(Call(Post("/v1/batch", R"({"writeKey":"key-web","batch":[{"type":"identify",
                                        "userId":"u"}]})"))
                .status,
            200);
  auto appends = sink_.appends();
  ASSERT_EQ(appends.size(), 2u);
  EXPECT_EQ(appends[0].source, "ios");
  EXPECT_EQ(appends[1].source, "web");
}

TEST_F(TrackingApiTest, UnknownOrMissingKeyIs401) {
  http::Response unknown = PostWithKey("/v1/track", kTrack, "nope");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.body, R"({"code":"invalid_write_key","message":"unknown write key"})");
  EXPECT_EQ(unknown.Header("Access-Control-Allow-Origin"), "*");

  http::Response missing = Call(Post("/v1/track", kTrack));
  EXPECT_EQ(missing.status, 401);
  EXPECT_THAT(missing.body, HasSubstr(R"("message":"missing write key)"));

  // A bad Basic key is not rescued by a good body key.
  EXPECT_EQ(
      PostWithKey("/v1/track", R"({"writeKey":"key-web","userId":"u","event":"E"})", "bad").status,
      401);
  // Malformed Basic falls back to the body key.
  http::Request request = Post("/v1/track", R"({"writeKey":"key-web","userId":"u","event":"E"})");
  request.headers.emplace_back("Authorization", "Basic !!!");
  EXPECT_EQ(Call(std::move(request)).status, 200);
  EXPECT_EQ(sink_.appends().size(), 1u);
}

TEST_F(TrackingApiTest, AllowAnyWriteKey) {
  ApiOptions options;
  options.allow_any_write_key = true;
  Reset(options);
  EXPECT_EQ(PostWithKey("/v1/track", kTrack, "whatever").status, 200);
  EXPECT_EQ(Call(Post("/v1/track", kTrack)).status, 200);
  EXPECT_EQ(PostWithKey("/v1/track", kTrack, "key-ios").status, 200);
  auto appends = sink_.appends();
  ASSERT_EQ(appends.size(), 3u);
  EXPECT_EQ(appends[0].source, "web");
  EXPECT_EQ(appends[1].source, "web");
  EXPECT_EQ(appends[2].source, "ios");

  Reset(options, /*default_sources=*/false);
  EXPECT_EQ(Call(Post("/v1/track", kTrack)).status, 200);
  EXPECT_EQ(sink_.appends().back().source, "default");
}

TEST_F(TrackingApiTest, NoSourcesRejectsEverything) {
  Reset({}, /*default_sources=*/false);
  EXPECT_EQ(PostWithKey("/v1/track", kTrack, "").status, 401);
}

TEST_F(TrackingApiTest, GzipAndDeflateBodies) {
  for (auto [encoding, bits] : {std::pair{"gzip", 31}, {"deflate", 15}, {"deflate", -15}}) {
    http::Request request = Post("/v1/track", Compress(kTrack, bits));
    request.headers.emplace_back("Content-Encoding", encoding);
    request.headers.emplace_back("Authorization", BasicAuth("key-web"));
    EXPECT_EQ(Call(std::move(request)).status, 200) << encoding;
  }
  EXPECT_EQ(sink_.appends().size(), 3u);
}

TEST_F(TrackingApiTest, GzipBombIs400) {
  std::string bomb = Compress(R"({"batch":[)" + std::string(8 * 1024 * 1024, ' ') + "]}");
  http::Request request = Post("/v1/batch", bomb);
  request.headers.emplace_back("Content-Encoding", "gzip");
  request.headers.emplace_back("Authorization", BasicAuth("key-web"));
  http::Response response = Call(std::move(request));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body,
            R"({"code":"payload_too_large","message":"decompressed body exceeds the limit of )"
            R"(512000 bytes"})");
  EXPECT_TRUE(sink_.appends().empty());
}

TEST_F(TrackingApiTest, BadEncodings) {
  http::Request corrupt = Post("/v1/track", "not gzip");
  corrupt.headers.emplace_back("Content-Encoding", "gzip");
  http::Response response = Call(std::move(corrupt));
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(response.body, StartsWith(R"({"code":"invalid_encoding")"));

  http::Request brotli = Post("/v1/track", kTrack);
  brotli.headers.emplace_back("Content-Encoding", "br");
  response = Call(std::move(brotli));
  EXPECT_EQ(response.status, 415);
  EXPECT_THAT(response.body, StartsWith(R"({"code":"unsupported_encoding")"));
}

TEST_F(TrackingApiTest, AnyContentType) {
  for (const char* type : {"text/plain", "application/json", "application/x-www-form-urlencoded"}) {
    http::Request request = Post("/v1/t", R"({"writeKey":"key-web","userId":"u","event":"E"})");
    request.headers.emplace_back("Content-Type", type);
    EXPECT_EQ(Call(std::move(request)).status, 200) << type;
  }
}

TEST_F(TrackingApiTest, CorsPreflightExactHeaders) {
  http::Request preflight;
  preflight.method = "OPTIONS";
  preflight.path = "/v1/t";
  preflight.headers = {{"Origin", "https://shop.example"},
                       {"Access-Control-Request-Method", "POST"},
                       {"Access-Control-Request-Headers", "content-type,x-custom"}};
  http::Response response = Call(preflight);
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(response.body, "");
  EXPECT_THAT(response.headers,
              ::testing::UnorderedElementsAre(
                  Pair("Access-Control-Allow-Origin", "https://shop.example"),
                  Pair("Vary", "Origin"), Pair("Access-Control-Allow-Methods", "POST, OPTIONS"),
                  Pair("Access-Control-Allow-Headers", "content-type,x-custom"),
                  Pair("Access-Control-Max-Age", "86400")));

  preflight.headers.clear();
  preflight.path = "/v1/anything/at/all";
  response = Call(preflight);
  EXPECT_EQ(response.status, 204);
  EXPECT_THAT(response.headers,
              ::testing::UnorderedElementsAre(Pair("Access-Control-Allow-Origin", "*"),
                                              Pair("Access-Control-Allow-Methods", "POST, OPTIONS"),
                                              Pair("Access-Control-Allow-Headers",
                                                   "Content-Type, Authorization, Content-Encoding"),
                                              Pair("Access-Control-Max-Age", "86400")));
}

TEST_F(TrackingApiTest, CorsOnEveryV1Response) {
  http::Request request = Post("/v1/track", R"({"writeKey":"key-web","userId":"u","event":"E"})");
  request.headers.emplace_back("Origin", "https://a.example");
  http::Response ok = Call(request);
  EXPECT_EQ(ok.Header("Access-Control-Allow-Origin"), "https://a.example");
  request.path = "/v1/nope";
  http::Response not_found = Call(request);
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.Header("Access-Control-Allow-Origin"), "https://a.example");
  http::Request health;
  health.method = "GET";
  health.path = "/health";
  EXPECT_EQ(Call(health).Header("Access-Control-Allow-Origin"), "");
}

// A track body of exactly `size` bytes.
std::string TrackOfSize(size_t size) {
  std::string head = R"({"writeKey":"key-web","userId":"u","event":"E","properties":{"p":")";
  std::string tail = R"("}})";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

TEST_F(TrackingApiTest, SingleEventLimitIs32KiB) {
  EXPECT_EQ(Call(Post("/v1/track", TrackOfSize(32 * 1024))).status, 200);
  http::Response response = Call(Post("/v1/track", TrackOfSize(32 * 1024 + 1)));
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(response.body, StartsWith(R"({"code":"payload_too_large")"));
}

TEST_F(TrackingApiTest, BatchLimitIs500KB) {
  std::string event = R"({"type":"track","userId":"u","event":"E"})";
  std::string body = R"({"writeKey":"key-web","batch":[)" + event;
  while (body.size() + event.size() + 3 <= 500 * 1024) body += "," + event;
  body += "]}";
  size_t events = sink_.appends().size();
  EXPECT_EQ(Call(Post("/v1/batch", body)).status, 200);
  ASSERT_EQ(sink_.appends().size(), events + 1);
  EXPECT_GT(sink_.appends().back().events().size(), 2000u);

  body.insert(body.size() - 2, std::string(500 * 1024 - body.size() + 1, ' '));
  ASSERT_EQ(body.size(), 500 * 1024 + 1u);
  http::Response response = Call(Post("/v1/batch", body));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body,
            R"({"code":"payload_too_large","message":"body is 512001 bytes; the limit is )"
            R"(512000 bytes"})");
}

TEST_F(TrackingApiTest, WholeRequestErrors) {
  http::Response bad_json = PostWithKey("/v1/track", "{nope");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_THAT(bad_json.body, StartsWith(R"({"code":"invalid_json","message":"invalid JSON)"));
  EXPECT_THAT(PostWithKey("/v1/track", "[1]").body, StartsWith(R"({"code":"invalid_body")"));
  EXPECT_THAT(PostWithKey("/v1/batch", R"({"batch":5})").body,
              StartsWith(R"({"code":"invalid_batch")"));
  EXPECT_TRUE(sink_.appends().empty());
}

TEST_F(TrackingApiTest, PartialBatchRejection) {
  http::Response response = PostWithKey(
      "/v1/batch",
      R"({"batch":[{"type":"track","userId":"u","event":"E"},{"type":"track","event":"E"}]})");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, StartsWith(R"({"success":true,"accepted":1,"rejected":[{"index":1,)"
                                        R"("code":"no_user_anon_id","message":")"));
  ASSERT_EQ(sink_.appends().size(), 1u);
  EXPECT_EQ(sink_.appends()[0].events().size(), 1u);
  EXPECT_THAT(registry_->RenderPrometheus(),
              HasSubstr("opentrack_events_rejected_total{code=\"no_user_anon_id\"} 1\n"));
}

// The sink gets the body as decoded, with what normalizing it again needs.
TEST_F(TrackingApiTest, SinkGetsTheDecodedBodyAndItsContext) {
  ApiOptions options;
  options.limits.max_batch_events = 3;
  Reset(options);
  const std::string body =
      R"({"batch":[{"type":"track","event":"E"},{"type":"track","userId":"u","event":"E"},)"
      R"({"type":"page","userId":"u"},{"type":"page","userId":"u"}]})";
  http::Request request = Post("/v1/batch", Compress(body));
  request.headers.emplace_back("Content-Encoding", "gzip");
  request.headers.emplace_back("Authorization", BasicAuth("key-ios"));
  request.headers.emplace_back("X-Forwarded-For", "203.0.113.7");
  EXPECT_EQ(Call(std::move(request)).status, 200);
  auto appends = sink_.appends();
  ASSERT_EQ(appends.size(), 1u);
  EXPECT_EQ(appends[0].source, "ios");
  const AcceptedRequest& sunk = appends[0].request;
  EXPECT_EQ(sunk.endpoint, segment::Endpoint::kBatch);
  EXPECT_EQ(sunk.received_at, clock_.Now());
  EXPECT_EQ(sunk.client_ip, "203.0.113.7");
  EXPECT_EQ(sunk.limits.max_batch_events, 3u);
  EXPECT_EQ(sunk.limits.max_batch_bytes, 500u * 1024);
  EXPECT_EQ(sunk.body, body);
  EXPECT_EQ(sunk.accepted, 2u);
  EXPECT_THAT(sunk.rejected_indexes, ::testing::ElementsAre(0, 3));  // no ids, past the limit
  std::vector<segment::AcceptedEvent> events = appends[0].events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, segment::EventType::kTrack);
  EXPECT_EQ(events[1].type, segment::EventType::kPage);
  EXPECT_THAT(events[1].json, HasSubstr(R"("ip":"203.0.113.7")"));
}

TEST_F(TrackingApiTest, AllRejectedIs400) {
  http::Response batch = PostWithKey(
      "/v1/batch", R"({"batch":[{"type":"track","event":"E"},{"type":"nope","userId":"u"}]})");
  EXPECT_EQ(batch.status, 400);
  EXPECT_THAT(batch.body, StartsWith(R"({"code":"no_user_anon_id","message":")"));
  EXPECT_THAT(batch.body, HasSubstr(R"("rejected":[{"index":0,"code":"no_user_anon_id")"));
  EXPECT_THAT(batch.body, HasSubstr(R"({"index":1,"code":"invalid_type")"));

  http::Response single = PostWithKey("/v1/track", R"({"userId":"u"})");
  EXPECT_EQ(single.status, 400);
  EXPECT_THAT(single.body, StartsWith(R"({"code":"missing_event","message":")"));
  EXPECT_TRUE(sink_.appends().empty());
}

TEST_F(TrackingApiTest, EmptyBatchSucceedsWithoutSink) {
  EXPECT_EQ(PostWithKey("/v1/batch", R"({"batch":[]})").body, R"({"success":true})");
  EXPECT_TRUE(sink_.appends().empty());
}

TEST_F(TrackingApiTest, SinkFullIs503WithRetryAfter) {
  sink_.SetStatus(absl::ResourceExhaustedError("spool full"));
  http::Response response = PostWithKey("/v1/track", kTrack);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.Header("Retry-After"), "5");
  EXPECT_EQ(response.body,
            R"({"code":"unavailable","message":"the collector is at capacity; retry later"})");
}

TEST_F(TrackingApiTest, SinkErrorIs500) {
  sink_.SetStatus(absl::DataLossError("disk on fire"));
  http::Response response = PostWithKey("/v1/track", kTrack);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body,
            R"({"code":"internal","message":"the event could not be stored; retry later"})");
}

TEST_F(TrackingApiTest, AnswersOnlyAfterSinkIsDone) {
  sink_.Hold();
  http::Request request = Post("/v1/track", kTrack);
  request.headers.emplace_back("Authorization", BasicAuth("key-web"));
  EXPECT_FALSE(Start(std::move(request)).has_value());
  EXPECT_FALSE(answer_.has_value());
  clock_.Advance(absl::Milliseconds(30));
  EXPECT_EQ(sink_.ReleaseAll(), 1u);
  ASSERT_TRUE(answer_.has_value());
  EXPECT_EQ(answer_->status, 200);
  EXPECT_THAT(registry_->RenderPrometheus(),
              HasSubstr("opentrack_http_request_duration_seconds_bucket{endpoint=\"track\","
                        "le=\"0.025\"} 0\nopentrack_http_request_duration_seconds_bucket{"
                        "endpoint=\"track\",le=\"0.05\"} 1\n"));
}

TEST_F(TrackingApiTest, ReceivedAtAndClientIp) {
  http::Request request = Post("/v1/track", kTrack);
  request.headers.emplace_back("Authorization", BasicAuth("key-web"));
  request.headers.emplace_back("X-Forwarded-For", " 203.0.113.7 , 10.0.0.1");
  Call(std::move(request));
  Call(Post("/v1/track", R"({"writeKey":"key-web","userId":"u","event":"E"})"));
  auto appends = sink_.appends();
  ASSERT_EQ(appends.size(), 2u);
  const std::string json = appends[0].events()[0].json;
  EXPECT_THAT(json, HasSubstr(R"("receivedAt":"2023-11-14T22:13:20.000000Z")"));
  EXPECT_THAT(json, HasSubstr(R"("ip":"203.0.113.7")"));
  EXPECT_THAT(appends[1].events()[0].json, HasSubstr(R"("ip":"10.0.0.9")"));
}

TEST_F(TrackingApiTest, MethodsAndUnknownPaths) {
  http::Request get;
  get.method = "GET";
  get.path = "/v1/track";
  http::Response response = Call(get);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.Header("Allow"), "POST, OPTIONS");
  EXPECT_EQ(response.body,
            R"({"code":"method_not_allowed","message":"use POST, OPTIONS on this path"})");
  get.path = "/nothing";
  response = Call(get);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, R"({"code":"not_found","message":"no such path"})");
  http::Request post_health = Post("/health", "");
  response = Call(post_health);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.Header("Allow"), "GET");
}

TEST_F(TrackingApiTest, HealthReadyAndMetrics) {
  bool ready = false;
  ApiOptions options;
  options.ready = [&] { return ready; };
  Reset(options);
  http::Request get;
  get.method = "GET";
  get.path = "/health";
  http::Response health = Call(get);
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  get.path = "/ready";
  EXPECT_EQ(Call(get).status, 503);
  EXPECT_EQ(Call(get).body, R"({"status":"not_ready"})");
  ready = true;
  EXPECT_EQ(Call(get).body, R"({"status":"ready"})");

  PostWithKey("/v1/track", kTrack);
  PostWithKey("/v1/track", "{");
  get.path = "/metrics";
  http::Response metrics = Call(get);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(metrics.body,
              HasSubstr("opentrack_http_requests_total{endpoint=\"health\",status=\"200\"} 1\n"));
  EXPECT_THAT(metrics.body,
              HasSubstr("opentrack_http_requests_total{endpoint=\"ready\",status=\"503\"} 2\n"));
  EXPECT_THAT(metrics.body,
              HasSubstr("opentrack_http_requests_total{endpoint=\"track\",status=\"200\"} 1\n"));
  EXPECT_THAT(metrics.body,
              HasSubstr("opentrack_http_requests_total{endpoint=\"track\",status=\"400\"} 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("opentrack_events_accepted_total 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("opentrack_http_request_bytes_total " +
                                      std::to_string(std::string(kTrack).size() + 1) + "\n"));
}

}  // namespace
}  // namespace opentrack::http_api
