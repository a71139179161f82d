#include "cli/spool_event_sink.h"

#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/spooled_request.h"
#include "spool/mem_env.h"

namespace opentrack::cli {
namespace {

using ::testing::ElementsAre;

std::unique_ptr<spool::Spool> OpenSpool(spool::Env* env) {
  spool::SpoolOptions options;
  options.directory = "/spool";
  auto opened = spool::Spool::Open(options, env);
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? std::move(*opened) : nullptr;
}

http_api::AcceptedRequest Request(std::string body, std::vector<size_t> rejected = {}) {
  http_api::AcceptedRequest request;
  request.endpoint = segment::Endpoint::kBatch;
  request.received_at = absl::FromUnixMicros(1700000000000001);
  request.client_ip = "203.0.113.7";
  request.limits.max_batch_events = 100;
  request.body = std::move(body);
  request.accepted = 1;
  request.rejected_indexes = std::move(rejected);
  return request;
}

absl::Status AppendAndWait(SpoolEventSink& sink, std::string_view source,
                           http_api::AcceptedRequest request) {
  absl::Notification finished;
  absl::Status result;
  sink.Append(source, std::move(request), [&](absl::Status s) {
    result = std::move(s);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

TEST(SpoolEventSinkTest, EachRequestBecomesOneRecordWithItsContext) {
  spool::MemEnv env;
  auto spool = OpenSpool(&env);
  SpoolEventSink sink(spool.get());
  const std::string web_body = R"({"batch":[{"type":"track"},{"a":1}]})";
  ASSERT_TRUE(AppendAndWait(sink, "web", Request(web_body, {0})).ok());
  ASSERT_TRUE(AppendAndWait(sink, "ios", Request(R"({"c":3})")).ok());
  auto records = spool->Read(10, 1 << 20, absl::ZeroDuration());
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);

  absl::StatusOr<loader::SpooledRequest> web = loader::DecodeSpooledRequest((*records)[0].data);
  ASSERT_TRUE(web.ok()) << web.status();
  EXPECT_EQ(web->source, "web");
  EXPECT_EQ(web->endpoint, segment::Endpoint::kBatch);
  EXPECT_EQ(web->received_at, absl::FromUnixMicros(1700000000000001));
  EXPECT_EQ(web->client_ip, "203.0.113.7");
  EXPECT_EQ(web->limits.max_batch_events, 100u);
  EXPECT_EQ(web->limits.max_event_bytes, segment::Limits{}.max_event_bytes);
  EXPECT_THAT(web->rejected_indexes, ElementsAre(0));
  EXPECT_EQ(web->body, web_body);

  absl::StatusOr<loader::SpooledRequest> ios = loader::DecodeSpooledRequest((*records)[1].data);
  ASSERT_TRUE(ios.ok()) << ios.status();
  EXPECT_EQ(ios->source, "ios");
  EXPECT_EQ(ios->body, R"({"c":3})");
  EXPECT_TRUE(ios->rejected_indexes.empty());
  // Each request gets a seed of its own.
  EXPECT_FALSE(web->message_id_seed.hi == ios->message_id_seed.hi &&
               web->message_id_seed.lo == ios->message_id_seed.lo);
}

TEST(SpoolEventSinkTest, ARequestThatCannotBeEncodedIsRefused) {
  spool::MemEnv env;
  auto spool = OpenSpool(&env);
  SpoolEventSink sink(spool.get());
  http_api::AcceptedRequest request = Request("{}");
  request.client_ip = std::string(70000, '1');
  EXPECT_EQ(AppendAndWait(sink, "web", std::move(request)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(spool->Stats().unacked_records, 0u);
}

}  // namespace
}  // namespace opentrack::cli
