#include "response_parser.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::loadgen {
namespace {

using ::testing::ElementsAre;

struct Parsed {
  std::vector<int> statuses;
  std::vector<bool> closes;
  std::string error;
};

// Feeds `wire` in pieces of `piece` bytes and collects every response.
Parsed ParseAll(const std::string& wire, size_t piece, bool eof = false) {
  ResponseParser parser;
  Parsed out;
  for (size_t at = 0; at < wire.size(); at += piece) {
    std::string_view data = std::string_view(wire).substr(at, piece);
    while (!data.empty()) {
      const ParseResult r = parser.Consume(&data);
      if (r == ParseResult::kError) {
        out.error = parser.error();
        return out;
      }
      if (r == ParseResult::kNeedMore) break;
      out.statuses.push_back(parser.status());
      out.closes.push_back(parser.close());
    }
  }
  if (eof) {
    const ParseResult r = parser.ConsumeEof();
    if (r == ParseResult::kError) out.error = parser.error();
    if (r == ParseResult::kResponse) {
      out.statuses.push_back(parser.status());
      out.closes.push_back(parser.close());
    }
  }
  return out;
}

constexpr char kOk[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n"
    "{\"success\":true}";

TEST(ResponseParserTest, ContentLengthResponseSplitAnywhere) {
  const std::string wire = kOk;
  for (size_t piece = 1; piece <= wire.size(); ++piece) {
    const Parsed p = ParseAll(wire, piece);
    EXPECT_EQ(p.error, "") << piece;
    EXPECT_THAT(p.statuses, ElementsAre(200)) << piece;
    EXPECT_THAT(p.closes, ElementsAre(false)) << piece;
  }
}

TEST(ResponseParserTest, PipelinedResponsesInOneRead) {
  const std::string wire =
      std::string(kOk) + "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad" + kOk;
  const Parsed p = ParseAll(wire, wire.size());
  EXPECT_EQ(p.error, "");
  EXPECT_THAT(p.statuses, ElementsAre(200, 400, 200));
}

TEST(ResponseParserTest, ChunkedBodyWithExtensionsAndTrailers) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n" +
      std::string(kOk);
  for (size_t piece : {1, 2, 7, 1000}) {
    const Parsed p = ParseAll(wire, piece);
    EXPECT_EQ(p.error, "") << piece;
    EXPECT_THAT(p.statuses, ElementsAre(200, 200)) << piece;
  }
}

TEST(ResponseParserTest, ChunkDataLongerThanItsSizeIsAnError) {
  const Parsed p =
      ParseAll("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 100);
  EXPECT_EQ(p.error, "chunk data longer than its size");
}

TEST(ResponseParserTest, BadChunkSizeIsAnError) {
  const Parsed p = ParseAll("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100);
  EXPECT_EQ(p.error, "bad chunk size line");
}

TEST(ResponseParserTest, InterimContinueIsSkipped) {
  const Parsed p = ParseAll(std::string("HTTP/1.1 100 Continue\r\n\r\n") + kOk, 1000);
  EXPECT_EQ(p.error, "");
  EXPECT_THAT(p.statuses, ElementsAre(200));
}

TEST(ResponseParserTest, NoContentResponsesHaveNoBody) {
  const Parsed p = ParseAll(std::string("HTTP/1.1 204 No Content\r\n\r\n") + kOk, 1000);
  EXPECT_THAT(p.statuses, ElementsAre(204, 200));
}

TEST(ResponseParserTest, ConnectionCloseIsReported) {
  const Parsed p = ParseAll(
      "HTTP/1.1 413 Payload Too Large\r\nConnection: keep-alive, Close\r\nContent-Length: "
      "0\r\n\r\n",
      1000);
  EXPECT_THAT(p.statuses, ElementsAre(413));
  EXPECT_THAT(p.closes, ElementsAre(true));
}

TEST(ResponseParserTest, Http10ClosesUnlessKeepAlive) {
  EXPECT_THAT(ParseAll("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 100).closes,
              ElementsAre(true));
  EXPECT_THAT(
      ParseAll("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 100)
          .closes,
      ElementsAre(false));
}

TEST(ResponseParserTest, BodyWithoutLengthEndsAtClose) {
  const Parsed p = ParseAll("HTTP/1.1 200 OK\r\n\r\nsome body", 4, /*eof=*/true);
  EXPECT_EQ(p.error, "");
  EXPECT_THAT(p.statuses, ElementsAre(200));
  EXPECT_THAT(p.closes, ElementsAre(true));
}

TEST(ResponseParserTest, CloseMidResponseIsAnError) {
  EXPECT_EQ(ParseAll(std::string(kOk).substr(0, 80), 1000, /*eof=*/true).error,
            "connection closed mid-response");
  EXPECT_EQ(ParseAll("HTTP/1.1 2", 1000, /*eof=*/true).error, "connection closed mid-response");
}

TEST(ResponseParserTest, CloseBetweenResponsesIsClean) {
  const Parsed p = ParseAll(kOk, 1000, /*eof=*/true);
  EXPECT_EQ(p.error, "");
  EXPECT_THAT(p.statuses, ElementsAre(200));
}

TEST(ResponseParserTest, MalformedHeadsAreErrors) {
  EXPECT_EQ(ParseAll("HTTP/2 200 OK\r\n\r\n", 100).error, "bad status line");
  EXPECT_EQ(ParseAll("HTTP/1.1 2x0 OK\r\n\r\n", 100).error, "bad status line");
  EXPECT_EQ(ParseAll("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", 100).error, "bad header line");
  EXPECT_EQ(ParseAll("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 100).error,
            "bad Content-Length");
  EXPECT_EQ(
      ParseAll("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 100).error,
      "bad Content-Length");
}

TEST(ResponseParserTest, OversizedHeadIsAnError) {
  const std::string wire = "HTTP/1.1 200 OK\r\nX: " + std::string(70 * 1024, 'a');
  EXPECT_EQ(ParseAll(wire, 4096).error, "response head too large");
}

TEST(ResponseParserTest, ErrorsAreSticky) {
  ResponseParser parser;
  std::string_view bad = "garbage\r\n\r\n";
  EXPECT_EQ(parser.Consume(&bad), ParseResult::kError);
  std::string_view ok = kOk;
  EXPECT_EQ(parser.Consume(&ok), ParseResult::kError);
}

}  // namespace
}  // namespace opentrack::loadgen
