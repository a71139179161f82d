#include "spool/log_reader.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spool/block_format.h"
#include "spool/spool_test_util.h"

namespace opentrack::spool {
namespace {

using ::opentrack::spool::testing::Framed;
using ::testing::ElementsAre;

// A compressed block frame holding `records`.
std::string BlockFrame(const std::vector<std::string>& records) {
  BlockBuilder builder(1);
  for (const std::string& r : records) builder.Add(r);
  std::string out;
  AppendFrame(kBlock, builder.Finish(), &out);
  return out;
}

std::vector<std::string> JsonLike(int n, int from = 0) {
  std::vector<std::string> out;
  for (int i = from; i < from + n; ++i) {
    out.push_back(absl::StrCat("default\n{\"type\":\"track\",\"event\":\"Product Added\",",
                               "\"messageId\":\"m-", i, "\",\"properties\":{\"price\":", i, "}}"));
  }
  return out;
}

// `good` (holding `records` records) then every proper prefix of the frame
// `last`: the torn prefix is tail, never a skipped region or a record.
void ExpectEveryTornTailDropped(const std::string& good, size_t records, const std::string& last) {
  for (size_t n = 1; n < last.size(); ++n) {
    ScanResult scan = ScanLog(good + last.substr(0, n), 0);
    EXPECT_EQ(scan.records, records) << n;
    EXPECT_EQ(scan.valid_end, good.size()) << n;
    EXPECT_EQ(scan.tail_bytes, n) << n;
    EXPECT_TRUE(scan.skipped.empty()) << n;
  }
}

TEST(LogReaderTest, DecodeFrameOfAFullRecordIsThatRecord) {
  std::string framed = Framed("one");
  Frame frame;
  ASSERT_EQ(ParseFrame(framed, &frame), ParseStatus::kFrame);
  BlockDecoder decoder;
  std::vector<std::string_view> records;
  ASSERT_TRUE(DecodeFrame(frame, &decoder, &records).ok());
  EXPECT_THAT(records, ElementsAre("one"));
}

TEST(LogReaderTest, DecodeFrameOfABlockIsItsRecords) {
  std::string framed = BlockFrame(JsonLike(3));
  Frame frame;
  ASSERT_EQ(ParseFrame(framed, &frame), ParseStatus::kFrame);
  BlockDecoder decoder;
  std::vector<std::string_view> records;
  ASSERT_TRUE(DecodeFrame(frame, &decoder, &records).ok());
  std::vector<std::string> expected = JsonLike(3);
  EXPECT_THAT(records, ElementsAre(expected[0], expected[1], expected[2]));
}

TEST(LogReaderTest, ScanCleanFile) {
  std::string file = Framed("one") + Framed("two") + Framed("three");
  ScanResult scan = ScanLog(file, 0);
  EXPECT_EQ(scan.records, 3u);
  EXPECT_EQ(scan.valid_end, file.size());
  EXPECT_TRUE(scan.skipped.empty());
  EXPECT_EQ(scan.tail_bytes, 0u);
}

TEST(LogReaderTest, ScanFromOffsetCountsOnlyLaterRecords) {
  std::string first = Framed("one");
  std::string file = first + Framed("two");
  ScanResult scan = ScanLog(file, first.size());
  EXPECT_EQ(scan.records, 1u);
  EXPECT_EQ(scan.valid_end, file.size());
}

TEST(LogReaderTest, ScanTornTailOfEveryLength) {
  ExpectEveryTornTailDropped(Framed("one") + Framed("two"), 2, Framed("the torn one"));
}

TEST(LogReaderTest, ScanZeroFilledTail) {
  std::string good = Framed("one");
  ScanResult scan = ScanLog(good + std::string(4096, '\0'), 0);
  EXPECT_EQ(scan.records, 1u);
  EXPECT_EQ(scan.valid_end, good.size());
  EXPECT_EQ(scan.tail_bytes, 4096u);
}

TEST(LogReaderTest, ScanSkipsMidFileCorruptionToNextValidRecord) {
  std::string a = Framed("first"), b = Framed("second"), c = Framed("third");
  std::string file = a + b + c;
  file[a.size() + kHeaderSize] ^= 0x40;  // damage b's payload
  ScanResult scan = ScanLog(file, 0);
  EXPECT_EQ(scan.records, 2u);
  EXPECT_EQ(scan.valid_end, file.size());
  EXPECT_THAT(scan.skipped, ::testing::ElementsAre(ByteRange{a.size(), a.size() + b.size()}));
  EXPECT_EQ(scan.tail_bytes, 0u);
}

TEST(LogReaderTest, ScanSkipsGarbageBetweenRecords) {
  std::string a = Framed("first"), c = Framed("third");
  std::string file = a + "garbage!" + c;
  ScanResult scan = ScanLog(file, 0);
  EXPECT_EQ(scan.records, 2u);
  EXPECT_THAT(scan.skipped, ::testing::ElementsAre(ByteRange{a.size(), a.size() + 8}));
}

TEST(LogReaderTest, ScanCountsRecordsInsideBlocksAndMixedFrames) {
  std::string file = Framed("old-1") + Framed("old-2") + BlockFrame(JsonLike(40)) + Framed("x");
  ScanResult scan = ScanLog(file, 0);
  EXPECT_EQ(scan.records, 43u);
  EXPECT_EQ(scan.valid_end, file.size());
  EXPECT_TRUE(scan.skipped.empty());
}

TEST(LogReaderTest, ScanFromInsideABlockDoesNotCountItsAcknowledgedRecords) {
  std::string first = BlockFrame(JsonLike(10));
  std::string file = first + BlockFrame(JsonLike(5, 10));
  EXPECT_EQ(ScanLog(file, 0, 4).records, 11u);
  EXPECT_EQ(ScanLog(file, first.size(), 2).records, 3u);
  EXPECT_EQ(ScanLog(file, 0, 99).records, 5u);  // an index past the block counts none of it
}

TEST(LogReaderTest, ScanTornBlockOfEveryLength) {
  ExpectEveryTornTailDropped(BlockFrame(JsonLike(8)), 8, BlockFrame(JsonLike(8, 8)));
}

TEST(LogReaderTest, ScanTreatsABlockThatDoesNotDecodeLikeACrcFailure) {
  // Valid CRC over a payload whose zstd bytes are garbage.
  std::string payload = std::string("\x01\x02\x00\x00\x00\x10\x00\x00\x00", 9) + "not zstd";
  std::string bad;
  AppendFrame(kBlock, payload, &bad);
  std::string a = Framed("first"), c = BlockFrame(JsonLike(2));
  ScanResult mid = ScanLog(a + bad + c, 0);
  EXPECT_EQ(mid.records, 3u);
  EXPECT_THAT(mid.skipped, ElementsAre(ByteRange{a.size(), a.size() + bad.size()}));
  ScanResult tail = ScanLog(a + bad, 0);
  EXPECT_EQ(tail.records, 1u);
  EXPECT_EQ(tail.valid_end, a.size());
  EXPECT_EQ(tail.tail_bytes, bad.size());
}

}  // namespace
}  // namespace opentrack::spool
