// The spool with zstd block frames: positions inside blocks, reading files of
// the record-per-frame format and mixed files, crashes, the cursor and trimming.
#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spool/block_format.h"
#include "spool/crc32c.h"
#include "spool/cursor.h"
#include "spool/mem_env.h"
#include "spool/spool.h"
#include "spool/spool_test_util.h"

namespace opentrack::spool {
namespace {

using ::opentrack::spool::testing::ByteOffsetCursor;
using ::opentrack::spool::testing::ExpectAcknowledgedAppendsSurviveACrashAtAnyFsync;
using ::opentrack::spool::testing::LogFiles;
using ::opentrack::spool::testing::OpenOrDie;
using ::opentrack::spool::testing::Payloads;
using ::opentrack::spool::testing::ReadAll;
using ::opentrack::spool::testing::RecordPerFrameOptions;
using ::opentrack::spool::testing::TestOptions;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// Records shaped like spool records: "<source>\n<event JSON>".
std::vector<std::string> Events(int n, int from = 0) {
  std::vector<std::string> out;
  for (int i = from; i < from + n; ++i) {
    out.push_back(absl::StrCat("default\n{\"type\":\"track\",\"event\":\"Product Viewed\",",
                               "\"messageId\":\"", i, "\",\"properties\":{\"sku\":\"sku-", i,
                               "\",\"price\":", i * 3, "}}"));
  }
  return out;
}

std::string RecordFrame(std::string_view payload) {
  std::string out;
  AppendRecord(payload, &out);
  return out;
}

std::string BlockFrame(const std::vector<std::string>& records) {
  BlockBuilder builder(kDefaultZstdLevel);
  for (const std::string& r : records) builder.Add(r);
  std::string out;
  AppendFrame(kBlock, builder.Finish(), &out);
  return out;
}

TEST(SpoolCompressionTest, AGroupCommitIsOneBlockAndPositionsAddressRecordsInside) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  const std::vector<std::string> first = Events(3), second = Events(1, 3);
  ASSERT_TRUE(spool->AppendAndWait(first).ok());
  ASSERT_TRUE(spool->AppendAndWait(second).ok());
  const std::string block = BlockFrame(first);
  EXPECT_EQ(env.GetFile("/spool/000001.log"), block + BlockFrame(second));
  auto records = ReadAll(*spool);
  EXPECT_THAT(Payloads(records), ElementsAreArray(Events(4)));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].position, MakePosition(1, 0, 0));
  EXPECT_EQ(records[1].position, MakePosition(1, 0, 1));
  EXPECT_EQ(records[2].position, MakePosition(1, 0, 2));
  EXPECT_EQ(records[3].position, MakePosition(1, block.size(), 0));
  EXPECT_EQ(spool->Stats().unacked_records, 4u);
}

TEST(SpoolCompressionTest, BlocksTakeLessSpaceThanRecordFrames) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  const std::vector<std::string> events = Events(100);
  ASSERT_TRUE(spool->AppendAndWait(events).ok());
  uint64_t framed = 0;
  for (const std::string& e : events) framed += FramedSize(e.size());
  EXPECT_LT(spool->Stats().bytes_on_disk * 4, framed);
}

TEST(SpoolCompressionTest, FilesOfTheRecordPerFrameWriterAreReadThenBlocksFollow) {
  MemEnv env;
  auto old_writer = OpenOrDie(&env, RecordPerFrameOptions());
  ASSERT_TRUE(old_writer->AppendAndWait({"old-1", "old-2"}).ok());
  old_writer.reset();
  // Byte for byte the format of the previous version.
  ASSERT_EQ(env.GetFile("/spool/000001.log"), RecordFrame("old-1") + RecordFrame("old-2"));
  auto spool = OpenOrDie(&env);
  ASSERT_TRUE(spool->AppendAndWait(Events(2)).ok());
  auto records = ReadAll(*spool);
  EXPECT_THAT(Payloads(records), ElementsAre("old-1", "old-2", Events(2)[0], Events(2)[1]));
  EXPECT_EQ(records[1].position, MakePosition(1, FramedSize(5)));
  EXPECT_EQ(records[3].position, MakePosition(2, 0, 1));
  ASSERT_TRUE(spool->Ack(records[1].position).ok());  // the whole old file
  EXPECT_THAT(LogFiles(env), ElementsAre("000002.log"));
}

TEST(SpoolCompressionTest, MixedFileOfRecordFramesThenBlocksIsReadInOrder) {
  MemEnv env;
  const std::string head = RecordFrame("old-1") + RecordFrame("old-2");
  const std::string block = BlockFrame(Events(3));
  env.PutFile("/spool/000001.log", head + block + RecordFrame("old-3") + BlockFrame(Events(1, 3)));
  auto spool = OpenOrDie(&env);
  EXPECT_EQ(spool->Stats().unacked_records, 7u);
  auto records = ReadAll(*spool);
  const std::vector<std::string> e = Events(4);
  EXPECT_THAT(Payloads(records), ElementsAre("old-1", "old-2", e[0], e[1], e[2], "old-3", e[3]));
  EXPECT_EQ(records[4].position, MakePosition(1, head.size(), 2));
  EXPECT_EQ(records[5].position, MakePosition(1, head.size() + block.size()));
  EXPECT_EQ(spool->Stats().dropped_bytes, 0u);
}

TEST(SpoolCompressionTest, CursorOfThePreviousVersionIsReadAsAByteOffset) {
  MemEnv env;
  env.PutFile("/spool/000001.log", RecordFrame("one") + RecordFrame("two") + RecordFrame("three"));
  env.PutFile("/spool/CURSOR", ByteOffsetCursor(1, FramedSize(3)));
  auto spool = OpenOrDie(&env);
  EXPECT_EQ(spool->Stats().ack, MakePosition(1, FramedSize(3)));
  EXPECT_EQ(spool->Stats().unacked_records, 2u);
  auto records = ReadAll(*spool);
  EXPECT_THAT(Payloads(records), ElementsAre("two", "three"));
  ASSERT_TRUE(spool->Ack(records[0].position).ok());
  EXPECT_EQ(env.GetFile("/spool/CURSOR").substr(0, 4), "OTC2");  // rewritten in the new layout
  spool.reset();
  spool = OpenOrDie(&env);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("three"));
}

TEST(SpoolCompressionTest, AckInTheMiddleOfABlockSurvivesReopen) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  const std::vector<std::string> events = Events(10);
  ASSERT_TRUE(spool->AppendAndWait(events).ok());
  ASSERT_TRUE(spool->AppendAndWait(Events(2, 10)).ok());
  auto records = ReadAll(*spool);
  ASSERT_EQ(records.size(), 12u);
  ASSERT_TRUE(spool->Ack(records[3].position).ok());
  EXPECT_EQ(spool->Stats().ack, MakePosition(1, 0, 4));
  EXPECT_EQ(spool->Stats().unacked_records, 8u);
  auto crashed = env.CrashCopy();
  auto recovered = OpenOrDie(crashed.get());
  EXPECT_EQ(recovered->Stats().unacked_records, 8u);
  auto again = ReadAll(*recovered);
  EXPECT_THAT(Payloads(again), ElementsAreArray(Events(8, 4)));
  EXPECT_EQ(again[0].position, MakePosition(1, 0, 4));
  // The last record of the block: the cursor moves to the next block.
  ASSERT_TRUE(recovered->Ack(again[5].position).ok());
  EXPECT_EQ(recovered->Stats().ack, records[10].position);
  recovered.reset();
  recovered = OpenOrDie(crashed.get());
  EXPECT_THAT(Payloads(ReadAll(*recovered)), ElementsAreArray(Events(2, 10)));
}

TEST(SpoolCompressionTest, RewindInsideABlockRedeliversFromTheCursor) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  ASSERT_TRUE(spool->AppendAndWait(Events(5)).ok());
  auto first = spool->Read(2, 1 << 20, absl::ZeroDuration());
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(spool->Ack(first->back().position).ok());
  EXPECT_EQ(ReadAll(*spool).size(), 3u);
  spool->Rewind();
  auto again = ReadAll(*spool);
  EXPECT_THAT(Payloads(again), ElementsAreArray(Events(3, 2)));
  EXPECT_EQ(again[0].position, MakePosition(1, 0, 2));
}

TEST(SpoolCompressionTest, TrimmingDeletesFilesWhoseBlocksAreFullyAcknowledged) {
  MemEnv env;
  const std::vector<std::string> events = Events(12);
  size_t longest = 0;
  for (const std::string& e : events) longest = std::max(longest, e.size());
  SpoolOptions options = TestOptions("/spool", 1);                    // every file takes one frame
  options.block_target_bytes = 2 * (kBlockRecordOverhead + longest);  // two records per block
  auto spool = OpenOrDie(&env, options);
  ASSERT_TRUE(spool->AppendAndWait(events).ok());
  EXPECT_THAT(LogFiles(env), ElementsAre("000001.log", "000002.log", "000003.log", "000004.log",
                                         "000005.log", "000006.log"));
  auto records = ReadAll(*spool);
  ASSERT_EQ(Payloads(records), events);
  EXPECT_EQ(records[1].position, MakePosition(1, 0, 1));
  EXPECT_EQ(records[2].position, MakePosition(2, 0, 0));
  ASSERT_TRUE(spool->Ack(records[2].position).ok());  // first record of file 2's block
  EXPECT_EQ(LogFiles(env).front(), "000002.log");
  ASSERT_TRUE(spool->Ack(records[3].position).ok());  // last record of sealed file 2
  EXPECT_EQ(LogFiles(env).front(), "000003.log");
  ASSERT_TRUE(spool->Ack(records[11].position).ok());  // file 6 is still being written
  EXPECT_THAT(LogFiles(env), ElementsAre("000006.log"));
  EXPECT_EQ(spool->Stats().unacked_bytes, 0u);
  EXPECT_EQ(spool->Stats().unacked_records, 0u);
}

TEST(SpoolCompressionTest, UnackedBytesCountCompressedBytesSoTheSpoolHoldsMore) {
  MemEnv env;
  SpoolOptions options = TestOptions();
  options.max_total_bytes = 64 << 10;
  auto spool = OpenOrDie(&env, options);
  int accepted = 0;
  uint64_t raw = 0;
  for (int i = 0; i < 10000; ++i) {
    std::vector<std::string> batch = Events(20, i * 20);
    absl::Status s = spool->AppendAndWait(batch);
    if (s.code() == absl::StatusCode::kResourceExhausted) break;
    ASSERT_TRUE(s.ok()) << s;
    accepted += 20;
    for (const std::string& e : batch) raw += FramedSize(e.size());
  }
  EXPECT_GT(raw, 4 * options.max_total_bytes);  // far more than fits uncompressed
  EXPECT_LE(spool->Stats().unacked_bytes, options.max_total_bytes);
  auto records = ReadAll(*spool);
  ASSERT_EQ(records.size(), static_cast<size_t>(accepted));
  ASSERT_TRUE(spool->Ack(records.back().position).ok());
  EXPECT_TRUE(spool->AppendAndWait(Events(20)).ok());
}

TEST(SpoolCompressionTest, RecordTooBigForABlockIsFramedAloneInOrder) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  const std::string big(kMaxBlockContent, 'b');
  ASSERT_TRUE(spool->AppendAndWait({"before", big, "after"}).ok());
  auto records = ReadAll(*spool);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].data, big);
  EXPECT_EQ(records[2].data, "after");
  // block("before"), then the record frame, then block("after").
  EXPECT_EQ(RecordIndex(records[1].position), 0u);
  EXPECT_EQ(FrameOffset(records[2].position) - FrameOffset(records[1].position),
            FramedSize(big.size()));
}

TEST(SpoolCompressionTest, TornLastBlockOfEveryLengthIsDroppedAndTheWriterMovesOn) {
  MemEnv env;
  auto spool = OpenOrDie(&env);
  const std::vector<std::string> acked = Events(4), unacked = Events(6, 4);
  ASSERT_TRUE(spool->AppendAndWait(acked).ok());
  const std::string first = env.GetFile("/spool/000001.log");
  const uint64_t frame = BlockFrame(unacked).size();
  std::vector<std::unique_ptr<MemEnv>> crashes;
  env.SetSyncHook([&] {
    // Power fails after the write, before the fsync: any prefix may have landed.
    if (crashes.empty()) {
      for (uint64_t torn = 0; torn <= frame; ++torn) crashes.push_back(env.CrashCopy(torn));
    }
  });
  ASSERT_TRUE(spool->AppendAndWait(unacked).ok());
  ASSERT_EQ(crashes.size(), frame + 1);
  for (uint64_t torn = 0; torn <= frame; ++torn) {
    SCOPED_TRACE(torn);
    MemEnv& crashed = *crashes[torn];
    auto recovered = OpenOrDie(&crashed);
    std::vector<std::string> expected = acked;
    // Fully landed: its records may be delivered though nobody was told they were durable.
    if (torn == frame) expected.insert(expected.end(), unacked.begin(), unacked.end());
    EXPECT_THAT(Payloads(ReadAll(*recovered)), ElementsAreArray(expected));
    EXPECT_EQ(crashed.GetFile("/spool/000001.log").size(),
              first.size() + (torn == frame ? frame : 0));
    EXPECT_EQ(recovered->Stats().dropped_bytes, 0u);
    ASSERT_TRUE(recovered->AppendAndWait({"after"}).ok());
    EXPECT_THAT(LogFiles(crashed), ElementsAre("000001.log", "000002.log"));
    recovered.reset();
    auto again = OpenOrDie(&crashed);
    EXPECT_EQ(ReadAll(*again).size(), expected.size() + 1);
  }
}

TEST(SpoolCompressionTest, EveryAcknowledgedAppendSurvivesACrashAtAnyFsync) {
  MemEnv env;
  // Rounds are a few hundred bytes.
  ExpectAcknowledgedAppendsSurviveACrashAtAnyFsync(env, TestOptions("/spool", 16 << 10),
                                                   /*threads=*/8, /*per_thread=*/60,
                                                   /*max_tear=*/400, Events);
}

TEST(SpoolCompressionTest, BlockWithAValidCrcThatDoesNotDecompressIsSkippedLikeACrcFailure) {
  MemEnv env;
  // flags "compressed", 2 records in 64 bytes, then bytes that are not a zstd frame.
  std::string payload("\x01\x02\x00\x00\x00\x40\x00\x00\x00", 9);
  payload += "definitely not a zstd frame";
  std::string bad;
  AppendFrame(kBlock, payload, &bad);
  const std::string good = BlockFrame(Events(2));
  env.PutFile("/spool/000001.log", good + bad + BlockFrame(Events(1, 2)));
  env.PutFile("/spool/000002.log", good + bad);
  auto spool = OpenOrDie(&env);
  const std::vector<std::string> e = Events(3);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre(e[0], e[1], e[2], e[0], e[1]));
  EXPECT_EQ(spool->Stats().dropped_bytes, bad.size());  // mid-file: skipped and counted
  EXPECT_EQ(env.GetFile("/spool/000002.log"), good);    // tail of the last file: truncated
}

TEST(SpoolCompressionTest, RandomDamageToBlocksNeverCrashesRecovery) {
  std::mt19937 rng(1234);
  const std::string valid = BlockFrame(Events(5)) + RecordFrame("old") + BlockFrame(Events(3, 5));
  for (int iteration = 0; iteration < 300; ++iteration) {
    MemEnv env;
    std::string file = valid;
    const int damage = 1 + static_cast<int>(rng() % 8);
    for (int d = 0; d < damage; ++d) file[rng() % file.size()] = static_cast<char>(rng());
    if (rng() % 2) file.append(rng() % 20, static_cast<char>(rng()));
    env.PutFile("/spool/000001.log", file);
    auto spool = Spool::Open(TestOptions(), &env);
    ASSERT_TRUE(spool.ok()) << spool.status();
    EXPECT_LE(ReadAll(**spool).size(), 9u);
    EXPECT_TRUE((*spool)->AppendAndWait({"after"}).ok());
  }
}

}  // namespace
}  // namespace opentrack::spool
