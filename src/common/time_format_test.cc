#include "common/time_format.h"

#include "gtest/gtest.h"

namespace opentrack {
namespace {

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

TEST(ParseTimestampTest, AcceptsRfc3339Forms) {
  EXPECT_EQ(ParseTimestamp("2024-01-01T00:00:10.000Z"), Utc(2024, 1, 1, 0, 0, 10));
  EXPECT_EQ(ParseTimestamp("2024-01-01T01:00:10+01:00"), Utc(2024, 1, 1, 0, 0, 10));
  EXPECT_EQ(ParseTimestamp("2024-01-01 00:00:10-0130"), Utc(2024, 1, 1, 1, 30, 10));
  EXPECT_EQ(ParseTimestamp("2024-01-01T00:00"), Utc(2024, 1, 1, 0, 0, 0));
  EXPECT_EQ(ParseTimestamp("2024-05-01T12:00:00.123456789Z"),
            Utc(2024, 5, 1, 12, 0, 0) + absl::Nanoseconds(123456789));
}

TEST(ParseTimestampTest, RejectsNonDates) {
  EXPECT_EQ(ParseTimestamp("hello"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-02-30T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-13-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-01-01T00:00:00Zjunk"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-01-01T00:00:00."), std::nullopt);
  EXPECT_EQ(ParseTimestamp("0000-01-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2015-2-02T00:30:08.276Z"), std::nullopt);
}

TEST(ParseTimestampTest, DateOnlyNeedsOptIn) {
  EXPECT_EQ(ParseTimestamp("2024-05-01"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01", {.allow_date_only = true}), Utc(2024, 5, 1, 0, 0, 0));
}

TEST(FormatTimestampTest, MillisAndMicros) {
  const absl::Time t = Utc(2024, 1, 1, 0, 5, 0) + absl::Microseconds(123456);
  EXPECT_EQ(FormatTimestampMillis(t), "2024-01-01T00:05:00.123Z");
  EXPECT_EQ(FormatTimestampMicros(t), "2024-01-01T00:05:00.123456Z");
}

}  // namespace
}  // namespace opentrack
