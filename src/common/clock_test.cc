#include "common/clock.h"

#include "gtest/gtest.h"

namespace opentrack {
namespace {

TEST(FakeClockTest, SleepAdvancesTimeAndIsRecorded) {
  FakeClock clock(absl::FromUnixSeconds(100));
  clock.SleepFor(absl::Seconds(3));
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(105));
  EXPECT_EQ(clock.TotalSlept(), absl::Seconds(3));
}

TEST(RealClockTest, NowIsCloseToAbslNow) {
  EXPECT_LT(absl::AbsDuration(RealClock::Get()->Now() - absl::Now()), absl::Seconds(5));
}

}  // namespace
}  // namespace opentrack
