#include "spool/cursor.h"

#include "gtest/gtest.h"
#include "spool/crc32c.h"
#include "spool/mem_env.h"
#include "spool/spool_test_util.h"

namespace opentrack::spool {
namespace {

using ::opentrack::spool::testing::ByteOffsetCursor;

TEST(CursorTest, EncodeDecodeRoundTrip) {
  Position p{42, 123456789012ull};
  std::string bytes = EncodeCursor(p);
  EXPECT_EQ(bytes.size(), kCursorSize);
  EXPECT_EQ(bytes.substr(0, 4), "OTC2");
  EXPECT_EQ(DecodeCursor(bytes), p);
}

TEST(CursorTest, ByteOffsetCursorOfThePreviousVersionIsRead) {
  EXPECT_EQ(DecodeCursor(ByteOffsetCursor(42, 100)), MakePosition(42, 100));
  EXPECT_EQ(DecodeCursor(ByteOffsetCursor(42, 0)), (Position{42, 0}));
  // Too large to become an address: treated like a damaged cursor.
  EXPECT_EQ(DecodeCursor(ByteOffsetCursor(42, kMaxFrameOffset)), std::nullopt);
}

TEST(CursorTest, DamagedCursorIsRejected) {
  std::string bytes = EncodeCursor({3, 9});
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x10;
    EXPECT_EQ(DecodeCursor(damaged), std::nullopt) << i;
  }
  EXPECT_EQ(DecodeCursor(bytes.substr(0, 23)), std::nullopt);
  EXPECT_EQ(DecodeCursor(""), std::nullopt);
}

TEST(CursorTest, WriteCursorIsDurableAndLeavesNoTempFile) {
  MemEnv env;
  ASSERT_TRUE(WriteCursor(&env, "/s", {7, 100}).ok());
  EXPECT_FALSE(env.FileExists("/s/CURSOR.tmp"));
  auto crashed = env.CrashCopy();
  auto cursor = ReadCursor(crashed.get(), "/s");
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(*cursor, (Position{7, 100}));
}

TEST(CursorTest, MissingCursorIsNullopt) {
  MemEnv env;
  auto cursor = ReadCursor(&env, "/s");
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(*cursor, std::nullopt);
}

TEST(CursorTest, DamagedCursorFileReadsAsNullopt) {
  MemEnv env;
  env.PutFile("/s/CURSOR", "garbage");
  auto cursor = ReadCursor(&env, "/s");
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(*cursor, std::nullopt);
}

TEST(LogFileNameTest, FormatAndParse) {
  EXPECT_EQ(LogFileName(1), "000001.log");
  EXPECT_EQ(LogFileName(12345678), "12345678.log");
  uint64_t n = 0;
  EXPECT_TRUE(ParseLogFileName("000042.log", &n));
  EXPECT_EQ(n, 42u);
  EXPECT_TRUE(ParseLogFileName("12345678.log", &n));
  EXPECT_EQ(n, 12345678u);
  EXPECT_FALSE(ParseLogFileName("42.log", &n));
  EXPECT_FALSE(ParseLogFileName("0000042.log", &n));
  EXPECT_FALSE(ParseLogFileName("000000.log", &n));
  EXPECT_FALSE(ParseLogFileName("00004a.log", &n));
  EXPECT_FALSE(ParseLogFileName("000042.log.tmp", &n));
  EXPECT_FALSE(ParseLogFileName("CURSOR", &n));
}

}  // namespace
}  // namespace opentrack::spool
