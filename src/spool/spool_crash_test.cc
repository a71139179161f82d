// Crash and corruption cases, simulated with MemEnv::CrashCopy.
#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spool/cursor.h"
#include "spool/mem_env.h"
#include "spool/spool.h"
#include "spool/spool_test_util.h"

namespace opentrack::spool {
namespace {

using ::opentrack::spool::testing::Framed;
using ::opentrack::spool::testing::LogFiles;
using ::opentrack::spool::testing::OpenOrDie;
using ::opentrack::spool::testing::Payloads;
using ::opentrack::spool::testing::ReadAll;
using ::opentrack::spool::testing::RecordPerFrameOptions;
using ::opentrack::spool::testing::TestOptions;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SpoolCrashTest, AcknowledgedAppendSurvivesCrash) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  ASSERT_TRUE(spool->AppendAndWait({"durable-1", "durable-2"}).ok());
  auto crashed = env.CrashCopy();  // the spool is still running: nothing was closed cleanly
  auto recovered = OpenOrDie(crashed.get());
  EXPECT_THAT(Payloads(ReadAll(*recovered)), ElementsAre("durable-1", "durable-2"));
}

// Record frames here; SpoolCompressionTest has the same case for blocks.
TEST(SpoolCrashTest, CrashBeforeFsyncWithTornTailOfEveryLength) {
  MemEnv env;
  auto spool = OpenOrDie(&env, RecordPerFrameOptions());
  ASSERT_TRUE(spool->AppendAndWait({"acked"}).ok());
  const std::string unacked = "never-acknowledged";
  const uint64_t frame = FramedSize(unacked.size());
  std::vector<std::unique_ptr<MemEnv>> crashes;
  env.SetSyncHook([&] {
    // Power fails after the write, before the fsync: any prefix may have landed.
    if (crashes.empty()) {
      for (uint64_t torn = 0; torn <= frame; ++torn) crashes.push_back(env.CrashCopy(torn));
    }
  });
  ASSERT_TRUE(spool->AppendAndWait({unacked}).ok());
  ASSERT_EQ(crashes.size(), frame + 1);
  for (uint64_t torn = 0; torn <= frame; ++torn) {
    SCOPED_TRACE(torn);
    MemEnv& crashed = *crashes[torn];
    auto recovered = OpenOrDie(&crashed);
    std::vector<std::string> expected = {"acked"};
    if (torn == frame) expected.push_back(unacked);  // fully landed: may be delivered
    EXPECT_THAT(Payloads(ReadAll(*recovered)), ::testing::ElementsAreArray(expected));
    // The torn tail was truncated away and new records go to a new file.
    EXPECT_EQ(crashed.GetFile("/spool/000001.log").size(),
              FramedSize(5) + (torn == frame ? frame : 0));
    ASSERT_TRUE(recovered->AppendAndWait({"after"}).ok());
    EXPECT_THAT(LogFiles(crashed), ElementsAre("000001.log", "000002.log"));
    EXPECT_EQ(recovered->Stats().dropped_bytes, 0u);
    recovered.reset();
    auto again = OpenOrDie(&crashed);
    EXPECT_EQ(ReadAll(*again).size(), expected.size() + 1);
  }
}

TEST(SpoolCrashTest, CrashAfterFsyncKeepsEveryCompletedAppend) {
  MemEnv env;
  auto spool = OpenOrDie(&env, TestOptions("/spool", 64));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(spool->AppendAndWait({absl::StrCat("r", i)}).ok());
  auto crashed = env.CrashCopy(1000);
  auto recovered = OpenOrDie(crashed.get());
  EXPECT_EQ(ReadAll(*recovered).size(), 20u);
}

TEST(SpoolCrashTest, NewFileNameIsDurableBeforeItsRecordsAreAcknowledged) {
  MemEnv env;
  auto spool = OpenOrDie(&env, TestOptions("/spool", 10));
  ASSERT_TRUE(spool->AppendAndWait({"first file"}).ok());
  ASSERT_TRUE(spool->AppendAndWait({"second file"}).ok());
  auto crashed = env.CrashCopy();
  EXPECT_THAT(LogFiles(*crashed), ElementsAre("000001.log", "000002.log"));
  auto recovered = OpenOrDie(crashed.get());
  EXPECT_THAT(Payloads(ReadAll(*recovered)), ElementsAre("first file", "second file"));
}

TEST(SpoolCrashTest, ZeroFilledTailIsTruncated) {
  MemEnv env;
  const std::string good = Framed("one") + Framed("two");
  env.PutFile("/spool/000001.log", good + std::string(8192, '\0'));
  auto spool = OpenOrDie(&env);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("one", "two"));
  EXPECT_EQ(env.GetFile("/spool/000001.log"), good);
  EXPECT_EQ(spool->Stats().dropped_bytes, 0u);
}

TEST(SpoolCrashTest, CrcMismatchInLastRecordIsTruncated) {
  MemEnv env;
  std::string file = Framed("one") + Framed("two");
  file.back() ^= 0x01;
  env.PutFile("/spool/000001.log", file);
  auto spool = OpenOrDie(&env);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("one"));
  EXPECT_EQ(env.GetFile("/spool/000001.log"), Framed("one"));
}

TEST(SpoolCrashTest, CorruptionInTheMiddleOfAFileIsSkippedAndCounted) {
  MemEnv env;
  std::string bad = Framed("two");
  bad[kHeaderSize] ^= 0x01;
  env.PutFile("/spool/000001.log", Framed("one") + bad + Framed("three"));
  auto spool = OpenOrDie(&env);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("one", "three"));
  EXPECT_EQ(spool->Stats().dropped_bytes, bad.size());
  EXPECT_EQ(spool->Stats().unacked_records, 2u);
  spool->Rewind();  // the skip is remembered for re-reads
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("one", "three"));
}

TEST(SpoolCrashTest, DamagedTailOfAnEarlierFileIsSkippedNotTruncated) {
  MemEnv env;
  const std::string first = Framed("one") + "garbage";
  env.PutFile("/spool/000001.log", first);
  env.PutFile("/spool/000002.log", Framed("two"));
  auto spool = OpenOrDie(&env);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("one", "two"));
  EXPECT_EQ(spool->Stats().dropped_bytes, 7u);
  EXPECT_EQ(env.GetFile("/spool/000001.log"), first);  // kept for inspection
}

TEST(SpoolCrashTest, CrashDuringCursorUpdateLeavesTempFileAndOldCursorWins) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  ASSERT_TRUE(spool->AppendAndWait({"one", "two", "three"}).ok());
  auto records = ReadAll(*spool);
  ASSERT_TRUE(spool->Ack(records[0].position).ok());
  // The next cursor update got as far as a synced temp file, then power failed.
  env.PutFile("/spool/CURSOR.tmp", EncodeCursor({1, 999}));
  auto crashed = env.CrashCopy();
  auto recovered = OpenOrDie(crashed.get());
  EXPECT_FALSE(crashed->FileExists("/spool/CURSOR.tmp"));
  EXPECT_THAT(Payloads(ReadAll(*recovered)), ElementsAre("two", "three"));
}

TEST(SpoolCrashTest, HalfWrittenTempCursorIsIgnored) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  ASSERT_TRUE(spool->AppendAndWait({"one", "two"}).ok());
  env.PutFile("/spool/CURSOR.tmp", EncodeCursor({1, 9}).substr(0, 11));
  auto crashed = env.CrashCopy();
  auto recovered = OpenOrDie(crashed.get());
  EXPECT_THAT(Payloads(ReadAll(*recovered)), ElementsAre("one", "two"));
}

TEST(SpoolCrashTest, AckedCursorSurvivesCrash) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  ASSERT_TRUE(spool->AppendAndWait({"one", "two"}).ok());
  auto records = ReadAll(*spool);
  ASSERT_TRUE(spool->Ack(records[0].position).ok());
  auto crashed = env.CrashCopy();
  auto recovered = OpenOrDie(crashed.get());
  EXPECT_THAT(Payloads(ReadAll(*recovered)), ElementsAre("two"));
}

TEST(SpoolCrashTest, FilesBelowTheCursorLeftByACrashAreDeletedOnOpen) {
  MemEnv env;
  env.PutFile("/spool/000001.log", Framed("old-1"));
  env.PutFile("/spool/000002.log", Framed("old-2"));
  env.PutFile("/spool/000003.log", Framed("new"));
  ASSERT_TRUE(WriteCursor(&env, "/spool", {3, 0}).ok());
  auto spool = OpenOrDie(&env);
  EXPECT_THAT(LogFiles(env), ElementsAre("000003.log"));
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("new"));
}

TEST(SpoolCrashTest, CursorIntoADeletedFileStartsAtTheNextFile) {
  MemEnv env;
  env.PutFile("/spool/000004.log", Framed("four"));
  ASSERT_TRUE(WriteCursor(&env, "/spool", {2, 50}).ok());
  auto spool = OpenOrDie(&env);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("four"));
  ASSERT_TRUE(spool->AppendAndWait({"five"}).ok());
  EXPECT_THAT(LogFiles(env), ElementsAre("000004.log", "000005.log"));
}

TEST(SpoolCrashTest, DamagedCursorRedeliversEverything) {
  MemEnv env;
  env.PutFile("/spool/000001.log", Framed("one") + Framed("two"));
  env.PutFile("/spool/CURSOR", "not a cursor at all, 24b");
  auto spool = OpenOrDie(&env);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("one", "two"));
}

TEST(SpoolCrashTest, FailedFsyncFailsTheAppendAndTheNextGoesToANewFile) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  ASSERT_TRUE(spool->AppendAndWait({"good"}).ok());
  env.SetSyncError(absl::InternalError("fsync failed"));
  absl::Status s = spool->AppendAndWait({"lost"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(s.message()), HasSubstr("/spool/000001.log"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("fsync failed"));
  env.SetSyncError(absl::OkStatus());
  ASSERT_TRUE(spool->AppendAndWait({"next"}).ok());
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("good", "next"));
  EXPECT_THAT(LogFiles(env), ElementsAre("000001.log", "000002.log"));
}

TEST(SpoolCrashTest, FailedWriteFailsTheAppendAndIsNeverRead) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  ASSERT_TRUE(spool->AppendAndWait({"good"}).ok());
  env.SetAppendError(absl::ResourceExhaustedError("no space left"), 4);
  EXPECT_EQ(spool->AppendAndWait({"lost"}).code(), absl::StatusCode::kResourceExhausted);
  env.SetAppendError(absl::OkStatus());
  ASSERT_TRUE(spool->AppendAndWait({"next"}).ok());
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("good", "next"));
  spool.reset();
  auto reopened = OpenOrDie(&env);  // the 4 stray bytes are a damaged tail of an earlier file
  EXPECT_THAT(Payloads(ReadAll(*reopened)), ElementsAre("good", "next"));
  EXPECT_EQ(reopened->Stats().dropped_bytes, 4u);
}

TEST(SpoolCrashTest, RandomGarbageNeverCrashesRecovery) {
  std::mt19937 rng(1234);
  const std::string valid = Framed("a") + Framed("bb") + Framed("ccc");
  for (int iteration = 0; iteration < 300; ++iteration) {
    MemEnv env;
    std::string file = valid;
    const int damage = 1 + static_cast<int>(rng() % 8);
    for (int d = 0; d < damage; ++d) {
      file[rng() % file.size()] = static_cast<char>(rng());
    }
    if (rng() % 2) file.append(rng() % 20, static_cast<char>(rng()));
    env.PutFile("/spool/000001.log", file);
    auto spool = Spool::Open(TestOptions(), &env);
    ASSERT_TRUE(spool.ok()) << spool.status();
    EXPECT_LE(ReadAll(**spool).size(), 3u);
  }
}

}  // namespace
}  // namespace opentrack::spool
