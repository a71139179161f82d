#include "loader/ack_tracker.h"

#include "gtest/gtest.h"

namespace opentrack::loader {
namespace {

spool::Position P(uint64_t offset) { return {1, offset}; }

TEST(AckTrackerTest, NothingTrackedNothingToAck) {
  AckTracker t;
  EXPECT_FALSE(t.PopDone().has_value());
}

TEST(AckTrackerTest, RecordWithoutRowsIsDoneAtOnce) {
  AckTracker t;
  t.Add(P(0));
  EXPECT_EQ(t.PopDone(), P(0));
  EXPECT_EQ(t.pending_records(), 0u);
}

TEST(AckTrackerTest, AcksOnlyTheContiguousDonePrefix) {
  AckTracker t;
  uint64_t a = t.Add(P(0));
  uint64_t b = t.Add(P(10));
  uint64_t c = t.Add(P(20));
  t.AddRows(a, 2);
  t.AddRows(b, 1);
  t.AddRows(c, 1);
  t.RowsDone(b, 1);
  t.RowsDone(c, 1);
  EXPECT_FALSE(t.PopDone().has_value());  // a still has two rows out
  t.RowsDone(a, 1);
  EXPECT_FALSE(t.PopDone().has_value());
  t.RowsDone(a, 1);
  EXPECT_EQ(t.PopDone(), P(20));
  EXPECT_EQ(t.pending_records(), 0u);
}

TEST(AckTrackerTest, SequenceNumbersSurvivePops) {
  AckTracker t;
  uint64_t a = t.Add(P(0));
  EXPECT_EQ(t.PopDone(), P(0));
  uint64_t b = t.Add(P(5));
  EXPECT_EQ(b, a + 1);
  t.AddRows(b, 1);
  EXPECT_FALSE(t.PopDone().has_value());
  t.RowsDone(b, 1);
  EXPECT_EQ(t.PopDone(), P(5));
}

}  // namespace
}  // namespace opentrack::loader
