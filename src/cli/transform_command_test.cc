#include "cli/transform_command.h"

#include <sstream>

#include "common/time_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::cli {
namespace {

using ::testing::HasSubstr;

TransformOptions FixedTimes() {
  TransformOptions options;
  options.received_at = *ParseTimestamp("2024-01-01T00:05:10.000Z");
  options.loaded_at = *ParseTimestamp("2024-01-01T00:06:00.000Z");
  return options;
}

TEST(TransformCommandTest, TrackBecomesTracksAndEventTableRows) {
  std::istringstream in(
      R"({"type":"track","messageId":"m1","userId":"u1","event":"Register",)"
      R"("originalTimestamp":"2024-01-01T00:00:00.000Z","sentAt":"2024-01-01T00:00:10.000Z",)"
      R"("properties":{"plan":"Pro Annual","accountType":"Facebook"}})"
      "\n");
  std::ostringstream out, errors;
  TransformStats stats;
  ASSERT_TRUE(RunTransform(in, out, errors, FixedTimes(), &stats).ok());
  EXPECT_EQ(stats.events, 1u);
  EXPECT_EQ(stats.rows, 2u);
  EXPECT_EQ(errors.str(), "");
  // Spec vector 1: `tracks` gets no properties; the event table gets them
  // snake-cased. Vector 22: timestamp = received_at - (sent_at - original).
  EXPECT_EQ(
      out.str(),
      R"({"table":"tracks","insertId":"m1","row":{)"
      R"("id":"m1","user_id":"u1","received_at":"2024-01-01T00:05:10.000000Z",)"
      R"("sent_at":"2024-01-01T00:00:10.000000Z","original_timestamp":"2024-01-01T00:00:00.000000Z",)"
      R"("timestamp":"2024-01-01T00:05:00.000000Z","uuid_ts":"2024-01-01T00:06:00.000000Z",)"
      R"("loaded_at":"2024-01-01T00:06:00.000000Z","event":"register","event_text":"Register")"
      "}}\n"
      R"({"table":"register","insertId":"m1","row":{)"
      R"("id":"m1","user_id":"u1","received_at":"2024-01-01T00:05:10.000000Z",)"
      R"("sent_at":"2024-01-01T00:00:10.000000Z","original_timestamp":"2024-01-01T00:00:00.000000Z",)"
      R"("timestamp":"2024-01-01T00:05:00.000000Z","uuid_ts":"2024-01-01T00:06:00.000000Z",)"
      R"("loaded_at":"2024-01-01T00:06:00.000000Z","event":"register","event_text":"Register")"
      R"(,"plan":"Pro Annual","account_type":"Facebook"}})"
      "\n");
}

TEST(TransformCommandTest, RejectedEventsGoToTheErrorStreamWithTheirLine) {
  std::istringstream in("\n{\"type\":\"track\",\"event\":\"x\"}\nnot json\n");
  std::ostringstream out, errors;
  TransformStats stats;
  ASSERT_TRUE(RunTransform(in, out, errors, FixedTimes(), &stats).ok());
  EXPECT_EQ(stats.events, 2u);
  EXPECT_EQ(stats.rejected, 2u);
  EXPECT_EQ(out.str(), "");
  EXPECT_THAT(errors.str(), HasSubstr("{\"line\":2,\"code\":\"no_user_anon_id\""));
  EXPECT_THAT(errors.str(), HasSubstr("{\"line\":3,\"code\":\"invalid_json\""));
}

TEST(TransformCommandTest, SchemasLineAccumulatesColumnsPerTable) {
  std::istringstream in(R"({"type":"group","messageId":"g","anonymousId":"a","groupId":"g1",)"
                        R"("traits":{"name":"Initech","employeeCount":420}})"
                        "\n");
  std::ostringstream out, errors;
  TransformStats stats;
  TransformOptions options = FixedTimes();
  options.print_schemas = true;
  ASSERT_TRUE(RunTransform(in, out, errors, options, &stats).ok());
  EXPECT_THAT(out.str(), HasSubstr(R"({"name":"group_id","type":"STRING"})"));
  EXPECT_THAT(out.str(), HasSubstr(R"({"name":"employee_count","type":"INTEGER"})"));
}

}  // namespace
}  // namespace opentrack::cli
