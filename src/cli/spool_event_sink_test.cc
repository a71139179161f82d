#include "cli/spool_event_sink.h"

#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/spooled_event.h"
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

absl::Status AppendAndWait(SpoolEventSink& sink, std::string_view source,
                           std::vector<std::string> jsons) {
  std::vector<segment::AcceptedEvent> events;
  for (std::string& json : jsons) events.push_back({segment::EventType::kTrack, std::move(json)});
  absl::Notification finished;
  absl::Status result;
  sink.Append(source, std::move(events), [&](absl::Status s) {
    result = std::move(s);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

TEST(SpoolEventSinkTest, EachEventBecomesOneRecordOfItsSource) {
  spool::MemEnv env;
  auto spool = OpenSpool(&env);
  SpoolEventSink sink(spool.get());
  ASSERT_TRUE(AppendAndWait(sink, "web", {R"({"a":1})", R"({"b":2})"}).ok());
  ASSERT_TRUE(AppendAndWait(sink, "ios", {R"({"c":3})"}).ok());
  auto records = spool->Read(10, 1 << 20, absl::ZeroDuration());
  ASSERT_TRUE(records.ok()) << records.status();
  std::vector<std::string> data;
  for (const spool::Record& r : *records) data.push_back(r.data);
  EXPECT_THAT(data, ElementsAre(loader::EncodeSpooledEvent("web", R"({"a":1})"),
                                loader::EncodeSpooledEvent("web", R"({"b":2})"),
                                loader::EncodeSpooledEvent("ios", R"({"c":3})")));
}

}  // namespace
}  // namespace opentrack::cli
