#include "spool/block_format.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::spool {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<std::string> JsonLike(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(absl::StrCat("default\n{\"type\":\"track\",\"event\":\"Order Completed\",",
                               "\"messageId\":\"m-", i, "\",\"properties\":{\"total\":", i, "}}"));
  }
  return out;
}

std::string Encode(const std::vector<std::string>& records, int level = 1) {
  BlockBuilder builder(level);
  for (const std::string& r : records) builder.Add(r);
  return std::string(builder.Finish());
}

std::vector<std::string> Decode(std::string_view payload) {
  BlockDecoder decoder;
  std::vector<std::string_view> records;
  absl::Status s = decoder.Decode(payload, &records);
  EXPECT_TRUE(s.ok()) << s;
  return {records.begin(), records.end()};
}

std::string Le32(uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

// A record as it sits in decoded content: length, then bytes.
std::string Entry(std::string_view bytes) {
  return Le32(static_cast<uint32_t>(bytes.size())) + std::string(bytes);
}

// A payload with the given header fields over `stored` bytes.
std::string Payload(uint8_t flags, uint32_t count, uint32_t content_size, std::string_view stored) {
  return std::string(1, static_cast<char>(flags)) + Le32(count) + Le32(content_size) +
         std::string(stored);
}

absl::Status DecodeStatus(std::string_view payload) {
  BlockDecoder decoder;
  std::vector<std::string_view> records;
  return decoder.Decode(payload, &records);
}

TEST(BlockFormatTest, RoundTripCompressesJsonRecords) {
  const std::vector<std::string> records = JsonLike(50);
  size_t raw = 0;
  for (const std::string& r : records) raw += kBlockRecordOverhead + r.size();
  std::string payload = Encode(records);
  EXPECT_EQ(payload[0], static_cast<char>(kBlockCompressed));
  EXPECT_LT(payload.size(), raw / 4);
  EXPECT_THAT(Decode(payload), ElementsAreArray(records));
}

TEST(BlockFormatTest, RoundTripAtFastNegativeAndHigherLevels) {
  const std::vector<std::string> records = JsonLike(20);
  for (int level : {-50, -5, -1, 1, 3}) {
    SCOPED_TRACE(level);
    EXPECT_THAT(Decode(Encode(records, level)), ElementsAreArray(records));
  }
}

TEST(BlockFormatTest, HeaderLayoutIsFlagsCountThenContentSize) {
  // Too small to compress: stored raw, content = 4+2 + 4+1 bytes.
  EXPECT_EQ(Encode({"ab", "c"}), Payload(0, 2, 11, Entry("ab") + Entry("c")));
}

TEST(BlockFormatTest, IncompressibleRecordsAreStoredRaw) {
  std::mt19937 rng(7);
  std::string noise(4000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  std::string payload = Encode({noise});
  EXPECT_EQ(payload[0], '\0');
  EXPECT_EQ(payload.size(), kBlockHeaderSize + kBlockRecordOverhead + noise.size());
  EXPECT_THAT(Decode(payload), ElementsAreArray({noise}));
}

TEST(BlockFormatTest, RecordsAddedInTwoPiecesEncodeAsWholeRecords) {
  // Compressed (20 records) and stored raw (1 record).
  for (int n : {20, 1}) {
    const std::vector<std::string> records = JsonLike(n);
    BlockBuilder builder(1);
    for (const std::string& r : records) {
      const size_t cut = r.find('\n') + 1;
      builder.Add(std::string_view(r).substr(0, cut), std::string_view(r).substr(cut));
    }
    builder.Add("", "");
    std::vector<std::string> whole = records;
    whole.push_back("");
    const std::string payload(builder.Finish());
    EXPECT_EQ(payload, Encode(whole));
    EXPECT_EQ(payload[0], n == 20 ? static_cast<char>(kBlockCompressed) : '\0');
  }
}

TEST(BlockFormatTest, EmptyRecordsRoundTrip) {
  EXPECT_THAT(Decode(Encode({"", "x", ""})), ElementsAreArray({"", "x", ""}));
}

TEST(BlockFormatTest, BuilderStartsANewBlockAfterFinish) {
  BlockBuilder builder(1);
  for (const std::string& r : JsonLike(30)) builder.Add(r);
  std::string first(builder.Finish());
  EXPECT_TRUE(builder.empty());
  builder.Add("second block");
  std::string second(builder.Finish());
  EXPECT_EQ(Decode(first).size(), 30u);
  EXPECT_THAT(Decode(second), ElementsAreArray({"second block"}));
}

TEST(BlockFormatTest, HasRoomForStopsAtTheTargetButAlwaysTakesOneRecord) {
  BlockBuilder builder(1);
  EXPECT_TRUE(builder.HasRoomFor(1000, 10));  // empty block
  builder.Add(std::string(100, 'a'));         // content 104
  EXPECT_TRUE(builder.HasRoomFor(92, 200));   // 104 + 96 = 200
  EXPECT_FALSE(builder.HasRoomFor(93, 200));
  EXPECT_TRUE(BlockBuilder::FitsInABlock(kMaxBlockContent - kBlockRecordOverhead));
  EXPECT_FALSE(BlockBuilder::FitsInABlock(kMaxBlockContent - kBlockRecordOverhead + 1));
}

TEST(BlockFormatTest, HasRoomForStopsAtTheRecordLimit) {
  BlockBuilder builder(1);
  for (uint64_t i = 0; i < kMaxRecordsPerFrame; ++i) builder.Add("");
  EXPECT_FALSE(builder.HasRoomFor(0, kMaxBlockContent));
  EXPECT_EQ(Decode(builder.Finish()).size(), kMaxRecordsPerFrame);
}

TEST(BlockFormatTest, DamagedFieldsAreDataLoss) {
  const std::string one = Entry("x");
  EXPECT_TRUE(DecodeStatus(Payload(0, 1, 5, one)).ok());
  struct Case {
    std::string name;
    std::string payload;
    std::string message;
  } cases[] = {
      {"truncated header", std::string("\x00\x01\x00", 3), "header is truncated"},
      {"unknown flags", Payload(0x80, 1, 5, one), "unknown flags 128"},
      {"zero records", Payload(0, 0, 5, one), "claims 0 records"},
      {"too many records", Payload(0, kMaxRecordsPerFrame + 1, 5, one),
       "claims 65537 records in 5 bytes"},
      {"content too large", Payload(0, 1, kMaxBlockContent + 1, one),
       "claims 1 records in 4194305 bytes"},
      {"raw size mismatch", Payload(0, 1, 6, one), "content is 5 bytes, header says 6"},
      {"fewer records than counted", Payload(0, 2, 5, one), "lengths do not match"},
      {"bytes after the last record", Payload(0, 1, 6, one + "y"), "lengths do not match"},
      {"record runs past the content", Payload(0, 1, 5, Le32(9) + "x"), "lengths do not match"},
  };
  for (const Case& c : cases) {
    absl::Status s = DecodeStatus(c.payload);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << c.name;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.message)) << c.name;
  }
}

TEST(BlockFormatTest, CorruptCompressedContentIsDataLossNeverACrash) {
  const std::string good = Encode(JsonLike(50));
  ASSERT_EQ(good[0], static_cast<char>(kBlockCompressed));
  // Garbage in place of the zstd frame, a truncated frame, and a frame longer than claimed.
  EXPECT_THAT(std::string(DecodeStatus(Payload(1, 1, 100, "not a zstd frame")).message()),
              HasSubstr("does not decompress"));
  EXPECT_EQ(DecodeStatus(good.substr(0, good.size() - 7)).code(), absl::StatusCode::kDataLoss);
  std::string short_claim = good;
  short_claim[5] = static_cast<char>(static_cast<uint8_t>(short_claim[5]) - 1);
  EXPECT_EQ(DecodeStatus(short_claim).code(), absl::StatusCode::kDataLoss);
  std::mt19937 rng(99);
  for (int i = 0; i < 2000; ++i) {
    std::string damaged = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      const size_t at = kBlockHeaderSize + rng() % (damaged.size() - kBlockHeaderSize);
      damaged[at] = static_cast<char>(rng());
    }
    BlockDecoder decoder;
    std::vector<std::string_view> records;
    absl::Status s = decoder.Decode(damaged, &records);
    if (!s.ok()) {
      EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
      EXPECT_TRUE(records.empty());
    }
  }
}

}  // namespace
}  // namespace opentrack::spool
