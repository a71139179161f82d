#include "spool/log_format.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::spool {
namespace {

std::string Frame(std::string_view payload) {
  std::string out;
  AppendRecord(payload, &out);
  return out;
}

TEST(LogFormatTest, FramingRoundTrip) {
  for (std::string payload : {std::string(), std::string("a"), std::string(5000, 'x'),
                              std::string("src\n{\"type\":\"track\"}")}) {
    std::string framed = Frame(payload);
    ASSERT_EQ(framed.size(), FramedSize(payload.size()));
    std::string_view got;
    size_t size = 0;
    ASSERT_EQ(ParseRecord(framed, &got, &size), ParseStatus::kRecord);
    EXPECT_EQ(got, payload);
    EXPECT_EQ(size, framed.size());
  }
}

TEST(LogFormatTest, HeaderLayoutIsLittleEndianLengthThenKind) {
  std::string framed = Frame("abc");
  EXPECT_EQ(framed.substr(4, 5), std::string("\x03\x00\x00\x00\x01", 5));
  EXPECT_EQ(HeaderLength(framed), 3u);
}

TEST(LogFormatTest, TornRecordOfEveryLengthNeedsMore) {
  std::string framed = Frame("payload of a record");
  for (size_t n = 0; n < framed.size(); ++n) {
    std::string_view got;
    size_t size = 0;
    EXPECT_EQ(ParseRecord(std::string_view(framed).substr(0, n), &got, &size),
              ParseStatus::kNeedMore)
        << n;
  }
}

TEST(LogFormatTest, CrcMismatchInPayloadIsCorrupt) {
  std::string framed = Frame("payload");
  framed[kHeaderSize + 2] ^= 0x01;
  std::string_view got;
  size_t size = 0;
  EXPECT_EQ(ParseRecord(framed, &got, &size), ParseStatus::kCorrupt);
}

TEST(LogFormatTest, DamagedLengthIsCorruptNotFollowed) {
  std::string framed = Frame("payload") + Frame("next");
  framed[4] = 3;  // shorter length; the CRC covers it
  std::string_view got;
  size_t size = 0;
  EXPECT_EQ(ParseRecord(framed, &got, &size), ParseStatus::kCorrupt);
}

TEST(LogFormatTest, ZeroHeaderIsCorrupt) {
  std::string zeros(64, '\0');
  std::string_view got;
  size_t size = 0;
  EXPECT_EQ(ParseRecord(zeros, &got, &size), ParseStatus::kCorrupt);
}

TEST(LogFormatTest, OversizedLengthIsCorrupt) {
  std::string framed = Frame("x");
  framed[7] = 1;  // length >= 2^24
  std::string_view got;
  size_t size = 0;
  EXPECT_EQ(ParseRecord(framed, &got, &size), ParseStatus::kCorrupt);
}

TEST(LogFormatTest, ScanCleanFile) {
  std::string file = Frame("one") + Frame("two") + Frame("three");
  ScanResult scan = ScanLog(file, 0);
  EXPECT_EQ(scan.records, 3u);
  EXPECT_EQ(scan.valid_end, file.size());
  EXPECT_TRUE(scan.skipped.empty());
  EXPECT_EQ(scan.tail_bytes, 0u);
}

TEST(LogFormatTest, ScanFromOffsetCountsOnlyLaterRecords) {
  std::string first = Frame("one");
  std::string file = first + Frame("two");
  ScanResult scan = ScanLog(file, first.size());
  EXPECT_EQ(scan.records, 1u);
  EXPECT_EQ(scan.valid_end, file.size());
}

TEST(LogFormatTest, ScanTornTailOfEveryLength) {
  std::string good = Frame("one") + Frame("two");
  std::string last = Frame("the torn one");
  for (size_t n = 1; n < last.size(); ++n) {
    ScanResult scan = ScanLog(good + last.substr(0, n), 0);
    EXPECT_EQ(scan.records, 2u) << n;
    EXPECT_EQ(scan.valid_end, good.size()) << n;
    EXPECT_EQ(scan.tail_bytes, n) << n;
    EXPECT_TRUE(scan.skipped.empty()) << n;
  }
}

TEST(LogFormatTest, ScanZeroFilledTail) {
  std::string good = Frame("one");
  ScanResult scan = ScanLog(good + std::string(4096, '\0'), 0);
  EXPECT_EQ(scan.records, 1u);
  EXPECT_EQ(scan.valid_end, good.size());
  EXPECT_EQ(scan.tail_bytes, 4096u);
}

TEST(LogFormatTest, ScanSkipsMidFileCorruptionToNextValidRecord) {
  std::string a = Frame("first"), b = Frame("second"), c = Frame("third");
  std::string file = a + b + c;
  file[a.size() + kHeaderSize] ^= 0x40;  // damage b's payload
  ScanResult scan = ScanLog(file, 0);
  EXPECT_EQ(scan.records, 2u);
  EXPECT_EQ(scan.valid_end, file.size());
  EXPECT_THAT(scan.skipped, testing::ElementsAre(ByteRange{a.size(), a.size() + b.size()}));
  EXPECT_EQ(scan.tail_bytes, 0u);
}

TEST(LogFormatTest, ScanSkipsGarbageBetweenRecords) {
  std::string a = Frame("first"), c = Frame("third");
  std::string file = a + "garbage!" + c;
  ScanResult scan = ScanLog(file, 0);
  EXPECT_EQ(scan.records, 2u);
  EXPECT_THAT(scan.skipped, testing::ElementsAre(ByteRange{a.size(), a.size() + 8}));
}

}  // namespace
}  // namespace opentrack::spool
