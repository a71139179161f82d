#include "loader/spooled_event.h"

#include "gtest/gtest.h"

namespace opentrack::loader {
namespace {

TEST(SpooledEventTest, RoundTrip) {
  std::string record = EncodeSpooledEvent("web", R"({"type":"track"})");
  EXPECT_EQ(record, "web\n{\"type\":\"track\"}");
  absl::StatusOr<SpooledEvent> event = DecodeSpooledEvent(record);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->source, "web");
  EXPECT_EQ(event->json, R"({"type":"track"})");
}

TEST(SpooledEventTest, PrefixIsWhatPrecedesTheJson) {
  EXPECT_EQ(SpooledEventPrefix("web"), "web\n");
  EXPECT_EQ(SpooledEventPrefix("web") + R"({"a":1})", EncodeSpooledEvent("web", R"({"a":1})"));
}

TEST(SpooledEventTest, JsonMayContainNewlines) {
  absl::StatusOr<SpooledEvent> event = DecodeSpooledEvent("ios\n{\n\"a\":1}\n");
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->source, "ios");
  EXPECT_EQ(event->json, "{\n\"a\":1}\n");
}

TEST(SpooledEventTest, RejectsMalformedRecords) {
  EXPECT_EQ(DecodeSpooledEvent("no newline").status().message(), "spool record has no source line");
  EXPECT_EQ(DecodeSpooledEvent("\n{}").status().message(), "spool record has an empty source");
  EXPECT_EQ(DecodeSpooledEvent("web\n").status().message(), "spool record has an empty event");
  EXPECT_EQ(DecodeSpooledEvent("").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace opentrack::loader
