#include "spool/spool.h"

#include <atomic>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spool/mem_env.h"
#include "spool/spool_test_util.h"

namespace opentrack::spool {
namespace {

using ::opentrack::spool::testing::LogFiles;
using ::opentrack::spool::testing::OpenOrDie;
using ::opentrack::spool::testing::Payloads;
using ::opentrack::spool::testing::ReadAll;
using ::opentrack::spool::testing::RecordPerFrameOptions;
using ::opentrack::spool::testing::TestOptions;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Behaviour that does not depend on the byte layout, with and without
// compression, buffered and with direct I/O (MemEnv fails misaligned writes).
class SpoolTest : public ::testing::TestWithParam<std::tuple<Compression, bool>> {
 protected:
  SpoolOptions Options(uint64_t max_file_bytes = 64 << 20) {
    SpoolOptions options = TestOptions("/spool", max_file_bytes, std::get<0>(GetParam()));
    options.direct_io = std::get<1>(GetParam());
    return options;
  }
};

INSTANTIATE_TEST_SUITE_P(CompressionAndIo, SpoolTest,
                         ::testing::Combine(::testing::Values(Compression::kNone,
                                                              Compression::kZstd),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           return absl::StrCat(
                               std::get<0>(info.param) == Compression::kZstd ? "Zstd" : "None",
                               std::get<1>(info.param) ? "Direct" : "Buffered");
                         });

TEST(SpoolRecordPerFrameTest, AppendThenReadReturnsRecordsInOrderWithPositions) {
  MemEnv env;
  auto spool = OpenOrDie(&env, RecordPerFrameOptions());
  ASSERT_TRUE(spool->AppendAndWait({"a", "bb"}).ok());
  ASSERT_TRUE(spool->AppendAndWait({"ccc"}).ok());
  auto records = ReadAll(*spool);
  EXPECT_THAT(Payloads(records), ElementsAre("a", "bb", "ccc"));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].position, (Position{1, 0}));
  EXPECT_EQ(records[1].position, MakePosition(1, FramedSize(1)));
  EXPECT_EQ(records[2].position, MakePosition(1, FramedSize(1) + FramedSize(2)));
  EXPECT_THAT(LogFiles(env), ElementsAre("000001.log"));
}

// The loader parses events in place, reading past their end (Record's
// kRecordReadSlack): every record read must have that room.
TEST_P(SpoolTest, RecordsReadHaveSlackAfterTheirData) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  ASSERT_TRUE(spool->AppendAndWait({"b", "a", std::string(5000, 'x')}).ok());
  auto records = ReadAll(*spool);
  ASSERT_EQ(records.size(), 3u);
  for (const Record& r : records) {
    EXPECT_GE(r.data.capacity() - r.data.size(), kRecordReadSlack) << r.data.size();
  }
}

TEST_P(SpoolTest, ReadOnEmptySpoolTimesOutWithNoRecords) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  auto records = spool->Read(10, 1000, absl::ZeroDuration());
  ASSERT_TRUE(records.ok());
  EXPECT_TRUE(records->empty());
  EXPECT_TRUE(LogFiles(env).empty());  // the first file is created by the first append
}

TEST_P(SpoolTest, ReadWaitsForAnAppend) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  absl::StatusOr<std::vector<Record>> got;
  std::thread reader([&] { got = spool->Read(10, 1000, absl::InfiniteDuration()); });
  ASSERT_TRUE(spool->AppendAndWait({"late"}).ok());
  reader.join();
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(Payloads(*got), ElementsAre("late"));
}

TEST_P(SpoolTest, ReadHonorsMaxRecordsAndMaxBytesButReturnsAtLeastOne) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  ASSERT_TRUE(spool->AppendAndWait({"11111", "22222", "33333", "4444444444"}).ok());
  auto first = spool->Read(2, 1000, absl::ZeroDuration());
  EXPECT_THAT(Payloads(*first), ElementsAre("11111", "22222"));
  auto second = spool->Read(10, 7, absl::ZeroDuration());
  EXPECT_THAT(Payloads(*second), ElementsAre("33333"));
  auto third = spool->Read(10, 3, absl::ZeroDuration());
  EXPECT_THAT(Payloads(*third), ElementsAre("4444444444"));
}

TEST(SpoolRecordPerFrameTest, RecordsSpanFileRolls) {
  MemEnv env;
  auto spool = OpenOrDie(&env, RecordPerFrameOptions("/spool", 100));
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.push_back(absl::StrCat("record-", i, std::string(30, 'x')));
  ASSERT_TRUE(spool->AppendAndWait({expected.begin(), expected.begin() + 7}).ok());
  ASSERT_TRUE(spool->AppendAndWait({expected.begin() + 7, expected.end()}).ok());
  auto records = ReadAll(*spool);
  EXPECT_EQ(Payloads(records), expected);
  // 47-byte frames, roll once a file holds >= 100 bytes: 3 records per file.
  EXPECT_THAT(LogFiles(env), ElementsAre("000001.log", "000002.log", "000003.log", "000004.log"));
  EXPECT_EQ(records[3].position, (Position{2, 0}));
  EXPECT_EQ(records[9].position, (Position{4, 0}));
  EXPECT_EQ(spool->Stats().files, 4u);
}

TEST_P(SpoolTest, ReopenContinuesNumberingInANewFile) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  ASSERT_TRUE(spool->AppendAndWait({"before"}).ok());
  spool.reset();
  spool = OpenOrDie(&env, Options());
  ASSERT_TRUE(spool->AppendAndWait({"after"}).ok());
  auto records = ReadAll(*spool);
  EXPECT_THAT(Payloads(records), ElementsAre("before", "after"));
  EXPECT_EQ(records[1].position, (Position{2, 0}));
  EXPECT_THAT(LogFiles(env), ElementsAre("000001.log", "000002.log"));
}

TEST_P(SpoolTest, ReopenAfterEverythingIsTrimmedContinuesPastTheCursor) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  ASSERT_TRUE(spool->AppendAndWait({"a"}).ok());
  spool.reset();
  spool = OpenOrDie(&env, Options());  // file 1 is sealed now
  auto records = ReadAll(*spool);
  ASSERT_TRUE(spool->Ack(records.back().position).ok());
  EXPECT_TRUE(LogFiles(env).empty());
  spool.reset();
  spool = OpenOrDie(&env, Options());
  ASSERT_TRUE(spool->AppendAndWait({"b"}).ok());
  EXPECT_THAT(LogFiles(env), ElementsAre("000002.log"));
}

TEST(SpoolRecordPerFrameTest, AckCursorPersistsAcrossReopen) {
  MemEnv env;
  auto spool = OpenOrDie(&env, RecordPerFrameOptions());
  ASSERT_TRUE(spool->AppendAndWait({"one", "two", "three"}).ok());
  auto records = ReadAll(*spool);
  ASSERT_TRUE(spool->Ack(records[1].position).ok());
  EXPECT_EQ(spool->Stats().ack, MakePosition(1, FramedSize(3) * 2));
  EXPECT_EQ(spool->Stats().unacked_records, 1u);
  spool.reset();
  spool = OpenOrDie(&env, RecordPerFrameOptions());
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("three"));
  EXPECT_EQ(spool->Stats().unacked_records, 1u);
}

TEST_P(SpoolTest, AckOnlyMovesForward) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  ASSERT_TRUE(spool->AppendAndWait({"one", "two", "three"}).ok());
  auto records = ReadAll(*spool);
  ASSERT_TRUE(spool->Ack(records[2].position).ok());
  const Position acked = spool->Stats().ack;
  ASSERT_TRUE(spool->Ack(records[0].position).ok());
  EXPECT_EQ(spool->Stats().ack, acked);
  spool.reset();
  spool = OpenOrDie(&env, Options());
  EXPECT_TRUE(ReadAll(*spool).empty());
}

TEST_P(SpoolTest, AckCoversOnlyRecordsAlreadyRead) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  ASSERT_TRUE(spool->AppendAndWait({"one", "two"}).ok());
  ASSERT_TRUE(spool->Ack(Position{99, 0}).ok());
  EXPECT_EQ(spool->Stats().ack, (Position{0, 0}));
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("one", "two"));
}

TEST_P(SpoolTest, RewindRedeliversUnacknowledgedRecords) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  ASSERT_TRUE(spool->AppendAndWait({"one", "two", "three"}).ok());
  auto records = ReadAll(*spool);
  ASSERT_TRUE(spool->Ack(records[0].position).ok());
  EXPECT_TRUE(ReadAll(*spool).empty());
  spool->Rewind();
  auto again = ReadAll(*spool);
  EXPECT_THAT(Payloads(again), ElementsAre("two", "three"));
  EXPECT_EQ(again[0].position, records[1].position);
  ASSERT_TRUE(spool->Ack(again[1].position).ok());
  EXPECT_EQ(spool->Stats().unacked_records, 0u);
}

TEST(SpoolRecordPerFrameTest, TrimmingDeletesOnlyFullyAcknowledgedFiles) {
  MemEnv env;
  auto spool = OpenOrDie(&env, RecordPerFrameOptions("/spool", 100));
  std::vector<std::string> data;
  for (int i = 0; i < 8; ++i) data.push_back(std::string(39, static_cast<char>('a' + i)));
  ASSERT_TRUE(spool->AppendAndWait(data).ok());  // files 1, 2: 3 records each; file 3: 2
  auto records = ReadAll(*spool);
  ASSERT_TRUE(spool->Ack(records[3].position).ok());  // first record of file 2
  EXPECT_THAT(LogFiles(env), ElementsAre("000002.log", "000003.log"));
  ASSERT_TRUE(spool->Ack(records[5].position).ok());  // last record of sealed file 2
  EXPECT_THAT(LogFiles(env), ElementsAre("000003.log"));
  ASSERT_TRUE(spool->Ack(records[7].position).ok());  // file 3 is still being written
  EXPECT_THAT(LogFiles(env), ElementsAre("000003.log"));
  EXPECT_EQ(spool->Stats().unacked_bytes, 0u);
}

TEST(SpoolRecordPerFrameTest, ResourceExhaustedAtTheByteLimitAndRecoveryAfterAck) {
  MemEnv env;
  SpoolOptions options = RecordPerFrameOptions();
  options.max_total_bytes = 3 * FramedSize(100);
  auto spool = OpenOrDie(&env, options);
  const std::string record(100, 'r');
  ASSERT_TRUE(spool->AppendAndWait({record, record}).ok());
  absl::Status full = spool->AppendAndWait({record, record});
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(full.message()), HasSubstr("spool is full"));
  ASSERT_TRUE(spool->AppendAndWait({record}).ok());  // exactly at the limit
  EXPECT_EQ(spool->AppendAndWait({record}).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(spool->Stats().unacked_records, 3u);  // nothing of the rejected requests was written
  auto records = ReadAll(*spool);
  ASSERT_EQ(records.size(), 3u);
  ASSERT_TRUE(spool->Ack(records[1].position).ok());
  EXPECT_TRUE(spool->AppendAndWait({record, record}).ok());
}

TEST_P(SpoolTest, OversizedRecordIsInvalidArgument) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  absl::Status s = spool->AppendAndWait({"ok", std::string(kMaxPayloadSize + 1, 'x')});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ReadAll(*spool).empty());
}

TEST_P(SpoolTest, GroupCommitSharesOneFsyncAmongWaitingAppends) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  absl::Notification entered, release;
  std::atomic<bool> first{true};
  env.SetSyncHook([&] {
    if (first.exchange(false)) {
      entered.Notify();
      release.WaitForNotification();
    }
  });
  std::atomic<int> ok{0};
  auto done = [&](absl::Status s) { ok += s.ok(); };
  spool->Append({"first"}, done);
  entered.WaitForNotification();  // the writer is inside the first fsync
  for (int i = 0; i < 10; ++i) spool->Append({absl::StrCat("queued-", i)}, done);
  release.Notify();
  spool->Close();
  EXPECT_EQ(ok.load(), 11);
  EXPECT_EQ(spool->Stats().fsyncs, 2u);
  EXPECT_EQ(spool->Stats().appends, 11u);
}

TEST_P(SpoolTest, ConcurrentAppendersAllCompleteAndAreReadOnceInPerAppenderOrder) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options(4096));
  constexpr int kThreads = 8, kPerThread = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!spool->AppendAndWait({absl::StrCat(t, ":", i)}).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<int> next(kThreads, 0);
  int total = 0;
  for (const Record& r : ReadAll(*spool)) {
    size_t colon = r.data.find(':');
    int t = std::stoi(r.data.substr(0, colon));
    EXPECT_EQ(std::stoi(r.data.substr(colon + 1)), next[t]) << r.data;
    next[t] = std::stoi(r.data.substr(colon + 1)) + 1;
    ++total;
  }
  EXPECT_EQ(total, kThreads * kPerThread);
  EXPECT_EQ(spool->Stats().unacked_records, static_cast<uint64_t>(kThreads * kPerThread));
}

TEST_P(SpoolTest, CloseDrainsPendingAppends) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  std::atomic<int> ok{0};
  for (int i = 0; i < 100; ++i) {
    spool->Append({absl::StrCat(i)}, [&](absl::Status s) { ok += s.ok(); });
  }
  spool->Close();
  EXPECT_EQ(ok.load(), 100);
  spool.reset();
  spool = OpenOrDie(&env, Options());
  EXPECT_EQ(ReadAll(*spool).size(), 100u);
}

TEST_P(SpoolTest, AppendAfterCloseFailsWithFailedPrecondition) {
  MemEnv env;
  auto spool = OpenOrDie(&env, Options());
  spool->Close();
  absl::Status s = spool->AppendAndWait({"late"});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("spool is closed"));
}

TEST(SpoolRecordPerFrameTest, StatsTrackWritesAndAcks) {
  MemEnv env;
  auto spool = OpenOrDie(&env, RecordPerFrameOptions());
  ASSERT_TRUE(spool->AppendAndWait({"abc", "de"}).ok());
  SpoolStats stats = spool->Stats();
  EXPECT_EQ(stats.bytes_on_disk, FramedSize(3) + FramedSize(2));
  EXPECT_EQ(stats.unacked_bytes, stats.bytes_on_disk);
  EXPECT_EQ(stats.unacked_records, 2u);
  EXPECT_EQ(stats.files, 1u);
  EXPECT_EQ(stats.write, MakePosition(1, FramedSize(3) + FramedSize(2)));
  EXPECT_EQ(stats.appends, 1u);
  EXPECT_EQ(stats.fsyncs, 1u);
  EXPECT_EQ(env.file_syncs(), 1u);
}

TEST(SpoolOpenTest, EmptyDirectoryIsInvalidArgument) {
  MemEnv env;
  auto spool = Spool::Open(SpoolOptions{}, &env);
  EXPECT_EQ(spool.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace opentrack::spool
