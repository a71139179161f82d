#include "common/time_format.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
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

// What absl::ParseTime makes of an RFC 3339 date-time: the reference.
absl::Time AbslParsed(const std::string& text) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &t, &error)) << text << error;
  return t;
}

// The calendar arithmetic is ours (no cctz on the hot path); absl's civil
// time is the reference. Random instants over years 1000-9999 (absl's %Y does
// not zero-pad earlier years), written in the forms clients send, parse to
// what absl::ParseTime makes of them.
TEST(ParseTimestampTest, AgreesWithAbslOverTheWholeRange) {
  std::mt19937_64 rng(7);
  const int64_t lo = absl::ToUnixSeconds(Utc(1000, 1, 2, 0, 0, 0));
  const int64_t hi = absl::ToUnixSeconds(Utc(9999, 12, 31, 0, 0, 0));
  std::uniform_int_distribution<int64_t> second(lo, hi);
  std::uniform_int_distribution<int64_t> micros(0, 999999);
  std::uniform_int_distribution<int> offset_minutes(-14 * 60, 14 * 60);
  const std::vector<std::string> formats = {"%Y-%m-%dT%H:%M:%E3SZ", "%Y-%m-%dT%H:%M:%E6SZ",
                                            "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%E*S%Ez"};
  for (int i = 0; i < 20000; ++i) {
    const absl::Time t = absl::FromUnixSeconds(second(rng)) + absl::Microseconds(micros(rng));
    const absl::TimeZone zone = absl::FixedTimeZone(offset_minutes(rng) * 60);
    for (const std::string& format : formats) {
      const std::string text =
          absl::FormatTime(format, t, format.back() == 'Z' ? absl::UTCTimeZone() : zone);
      EXPECT_EQ(ParseTimestamp(text), AbslParsed(text)) << text;
    }
  }
  for (const char* text : {"2024-02-29T12:00:00.000Z", "2000-02-29T00:00:00Z",
                           "2016-12-31T23:59:60.000Z", "2016-12-31T23:59:60Z"}) {
    EXPECT_EQ(ParseTimestamp(text), AbslParsed(text)) << text;
  }
  for (const char* text : {"2023-02-29T12:00:00.000Z", "1900-02-29T00:00:00Z",
                           "2024-04-31T00:00:00.000000Z", "2024-01-01T00:00:61Z"}) {
    EXPECT_EQ(ParseTimestamp(text), std::nullopt) << text;
  }
}

TEST(FormatTimestampTest, AgreesWithAbslOverTheWholeRange) {
  // Years 1000-9999 (absl's %Y does not zero-pad earlier ones), and the ends.
  for (const auto& [t, text] : std::vector<std::pair<absl::Time, std::string>>{
           {Utc(1, 1, 1, 0, 0, 0), "0001-01-01T00:00:00.000000Z"},
           {Utc(433, 3, 3, 10, 7, 17), "0433-03-03T10:07:17.000000Z"},
           {Utc(9999, 12, 31, 23, 59, 59) + absl::Microseconds(999999),
            "9999-12-31T23:59:59.999999Z"}}) {
    EXPECT_EQ(FormatTimestampMicros(t), text);
    EXPECT_EQ(ParseTimestamp(text), t) << text;
  }
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> unix_micros(
      absl::ToUnixMicros(Utc(1000, 1, 1, 0, 0, 0)),
      absl::ToUnixMicros(Utc(9999, 12, 31, 23, 59, 59)));
  for (int i = 0; i < 100000; ++i) {
    const int64_t m = unix_micros(rng);
    std::string got;
    AppendUnixMicrosTimestamp(&got, m);
    ASSERT_EQ(
        got, absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixMicros(m), absl::UTCTimeZone()))
        << m;
  }
}

TEST(FormatTimestampTest, YearsBeforeOneThousandAreZeroPadded) {
  std::mt19937_64 rng(13);
  std::uniform_int_distribution<int64_t> unix_micros(absl::ToUnixMicros(Utc(1, 1, 1, 0, 0, 0)),
                                                     absl::ToUnixMicros(Utc(1000, 1, 1, 0, 0, 0)));
  for (int i = 0; i < 10000; ++i) {
    const absl::Time t = absl::FromUnixMicros(unix_micros(rng));
    const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
    const int64_t micros = absl::ToInt64Microseconds(t - absl::FromCivil(c, absl::UTCTimeZone()));
    ASSERT_EQ(FormatTimestampMicros(t),
              absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", c.year(), c.month(), c.day(),
                              c.hour(), c.minute(), c.second(), micros));
  }
}

}  // namespace
}  // namespace opentrack
