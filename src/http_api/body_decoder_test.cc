#include "http_api/body_decoder.h"

#include "common/error_code.h"
#include "gtest/gtest.h"
#include "http_api/test_util.h"

namespace opentrack::http_api {
namespace {

using testing::Compress;

TEST(BodyDecoderTest, IdentityPassesThrough) {
  EXPECT_EQ(*DecodeBody("{}", "", 10), "{}");
  EXPECT_EQ(*DecodeBody("{}", "identity", 10), "{}");
}

TEST(BodyDecoderTest, GzipZlibAndRawDeflate) {
  std::string text(5000, 'a');
  EXPECT_EQ(*DecodeBody(Compress(text, 31), "gzip", 5000), text);
  EXPECT_EQ(*DecodeBody(Compress(text, 31), " X-GZIP ", 5000), text);
  EXPECT_EQ(*DecodeBody(Compress(text, 15), "deflate", 5000), text);
  EXPECT_EQ(*DecodeBody(Compress(text, -15), "deflate", 5000), text);
}

TEST(BodyDecoderTest, ConcatenatedGzipMembers) {
  EXPECT_EQ(*DecodeBody(Compress("abc") + Compress("def"), "gzip", 100), "abcdef");
}

TEST(BodyDecoderTest, BombStopsAtLimit) {
  std::string zeros(4 * 1024 * 1024, '0');
  std::string bomb = Compress(zeros);
  ASSERT_LT(bomb.size(), 8 * 1024u);
  auto decoded = DecodeBody(bomb, "gzip", 500 * 1024);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorCode(decoded.status()), "payload_too_large");
  EXPECT_EQ(decoded.status().message(), "decompressed body exceeds the limit of 512000 bytes");
}

TEST(BodyDecoderTest, ExactlyAtLimitIsAccepted) {
  std::string text(1000, 'x');
  EXPECT_TRUE(DecodeBody(Compress(text), "gzip", 1000).ok());
  EXPECT_EQ(ErrorCode(DecodeBody(Compress(text), "gzip", 999).status()), "payload_too_large");
}

TEST(BodyDecoderTest, CorruptAndTruncated) {
  std::string gz = Compress("hello world, hello world");
  EXPECT_EQ(ErrorCode(DecodeBody("not gzip", "gzip", 100).status()), "invalid_encoding");
  EXPECT_EQ(ErrorCode(DecodeBody(gz.substr(0, gz.size() - 6), "gzip", 100).status()),
            "invalid_encoding");
  EXPECT_EQ(ErrorCode(DecodeBody("", "gzip", 100).status()), "invalid_encoding");
  EXPECT_EQ(ErrorCode(DecodeBody("garbage!", "deflate", 100).status()), "invalid_encoding");
}

TEST(BodyDecoderTest, UnsupportedEncoding) {
  auto decoded = DecodeBody("x", "br", 100);
  EXPECT_EQ(ErrorCode(decoded.status()), "unsupported_encoding");
  EXPECT_EQ(decoded.status().message(),
            "unsupported Content-Encoding 'br'; use gzip, deflate or none");
}

}  // namespace
}  // namespace opentrack::http_api
