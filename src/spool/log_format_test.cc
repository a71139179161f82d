#include "spool/log_format.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spool/spool_test_util.h"

namespace opentrack::spool {
namespace {

using ::opentrack::spool::testing::Framed;

TEST(LogFormatTest, FramingRoundTrip) {
  for (std::string payload : {std::string(), std::string("a"), std::string(5000, 'x'),
                              std::string("src\n{\"type\":\"track\"}")}) {
    std::string framed = Framed(payload);
    ASSERT_EQ(framed.size(), FramedSize(payload.size()));
    Frame frame;
    ASSERT_EQ(ParseFrame(framed, &frame), ParseStatus::kFrame);
    EXPECT_EQ(frame.kind, kFullRecord);
    EXPECT_EQ(frame.payload, payload);
    EXPECT_EQ(frame.size, framed.size());
  }
}

TEST(LogFormatTest, RecordInTwoPiecesIsFramedAsTheWholeRecord) {
  for (const auto& [head, tail] : std::vector<std::pair<std::string, std::string>>{
           {"", ""}, {"src\n", ""}, {"", "{}"}, {"src\n", "{\"type\":\"track\"}"}}) {
    std::string framed;
    AppendRecord(head, tail, &framed);
    EXPECT_EQ(framed, Framed(head + tail));
  }
}

TEST(LogFormatTest, HeaderLayoutIsLittleEndianLengthThenKind) {
  std::string framed = Framed("abc");
  EXPECT_EQ(framed.substr(4, 5), std::string("\x03\x00\x00\x00\x01", 5));
  EXPECT_EQ(HeaderLength(framed), 3u);
}

TEST(LogFormatTest, TornRecordOfEveryLengthNeedsMore) {
  std::string framed = Framed("payload of a record");
  for (size_t n = 0; n < framed.size(); ++n) {
    Frame frame;
    EXPECT_EQ(ParseFrame(std::string_view(framed).substr(0, n), &frame), ParseStatus::kNeedMore)
        << n;
  }
}

TEST(LogFormatTest, CrcMismatchInPayloadIsCorrupt) {
  std::string framed = Framed("payload");
  framed[kHeaderSize + 2] ^= 0x01;
  Frame frame;
  EXPECT_EQ(ParseFrame(framed, &frame), ParseStatus::kCorrupt);
}

TEST(LogFormatTest, DamagedLengthIsCorruptNotFollowed) {
  std::string framed = Framed("payload") + Framed("next");
  framed[4] = 3;  // shorter length; the CRC covers it
  Frame frame;
  EXPECT_EQ(ParseFrame(framed, &frame), ParseStatus::kCorrupt);
}

TEST(LogFormatTest, BlockFrameRoundTrip) {
  std::string framed;
  AppendFrame(kBlock, "block payload", &framed);
  EXPECT_EQ(framed[8], static_cast<char>(kBlock));
  Frame frame;
  ASSERT_EQ(ParseFrame(framed, &frame), ParseStatus::kFrame);
  EXPECT_EQ(frame.kind, kBlock);
  EXPECT_EQ(frame.payload, "block payload");
}

TEST(LogFormatTest, UnknownKindIsCorrupt) {
  std::string framed;
  AppendFrame(3, "x", &framed);
  Frame frame;
  EXPECT_EQ(ParseFrame(framed, &frame), ParseStatus::kCorrupt);
}

TEST(LogFormatTest, ZeroHeaderIsCorrupt) {
  std::string zeros(64, '\0');
  Frame frame;
  EXPECT_EQ(ParseFrame(zeros, &frame), ParseStatus::kCorrupt);
}

TEST(LogFormatTest, OversizedLengthIsCorrupt) {
  std::string framed = Framed("x");
  framed[7] = 1;  // length >= 2^24
  Frame frame;
  EXPECT_EQ(ParseFrame(framed, &frame), ParseStatus::kCorrupt);
}

}  // namespace
}  // namespace opentrack::spool
