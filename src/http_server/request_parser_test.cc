#include "http_server/request_parser.h"

#include <string>
#include <string_view>

#include "boost/asio/buffer.hpp"
#include "boost/beast/http/error.hpp"
#include "gtest/gtest.h"

namespace opentrack::http::internal {
namespace {

namespace bhttp = boost::beast::http;

// Feeds `wire` in pieces of `step` bytes, as reads would, keeping unparsed
// bytes as the server's buffer does.
boost::beast::error_code ParseInSteps(std::string_view wire, size_t step, RequestParser* parser) {
  parser->eager(true);
  std::string pending;
  boost::beast::error_code ec;
  for (size_t pos = 0; pos < wire.size() && !parser->is_done(); pos += step) {
    pending.append(wire.substr(pos, step));
    while (!pending.empty() && !parser->is_done()) {
      size_t used = parser->put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == bhttp::error::need_more) {
        ec = {};
        break;
      }
      if (ec) return ec;
      if (used == 0) break;
    }
  }
  return ec;
}

TEST(RequestParserTest, FillsEveryRequestField) {
  Request request;
  RequestParser parser(&request);
  auto ec = ParseInSteps(
      "POST /v1/track?a=1&b=2 HTTP/1.1\r\nHost: h\r\nX-Long-Header-Name: a value longer than "
      "SSO\r\n"
      "Content-Length: 5\r\n\r\nabcde",
      1000, &parser);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/v1/track?a=1&b=2");
  EXPECT_EQ(request.path, "/v1/track");
  EXPECT_EQ(request.query, "a=1&b=2");
  ASSERT_EQ(request.headers.size(), 3u);
  EXPECT_EQ(request.headers[1].first, "X-Long-Header-Name");
  EXPECT_EQ(request.headers[1].second, "a value longer than SSO");
  EXPECT_EQ(request.body, "abcde");
  EXPECT_GE(request.body.capacity() - request.body.size(), kBodyReadSlack);
  EXPECT_EQ(parser.method(), bhttp::verb::post);
  EXPECT_EQ(parser.version(), 11u);
  EXPECT_TRUE(parser.keep_alive());
  EXPECT_FALSE(parser.expect_continue());
}

TEST(RequestParserTest, ByteByByteGivesTheSameRequest) {
  Request request;
  RequestParser parser(&request);
  auto ec = ParseInSteps("PUT /p HTTP/1.0\r\nA: b\r\nContent-Length: 3\r\n\r\nxyz", 1, &parser);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.path, "/p");
  EXPECT_EQ(request.query, "");
  EXPECT_EQ(request.Header("a"), "b");
  EXPECT_EQ(request.body, "xyz");
  EXPECT_EQ(parser.version(), 10u);
  EXPECT_FALSE(parser.keep_alive());
}

TEST(RequestParserTest, ChunkedBodyIsJoined) {
  Request request;
  RequestParser parser(&request);
  auto ec = ParseInSteps(
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 7,
      &parser);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(request.body, "abcde");
}

TEST(RequestParserTest, SeesExpectContinueCaseInsensitively) {
  Request request;
  RequestParser parser(&request);
  auto ec = ParseInSteps("POST /e HTTP/1.1\r\nexpect: 100-Continue\r\nContent-Length: 3\r\n\r\n",
                         1000, &parser);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_header_done());
  EXPECT_FALSE(parser.is_done());
  EXPECT_TRUE(parser.expect_continue());
}

TEST(RequestParserTest, DeclaredLengthAboveLimitIsRefusedBeforeTheBody) {
  Request request;
  RequestParser parser(&request);
  parser.body_limit(4);
  auto ec = ParseInSteps("POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 1000, &parser);
  EXPECT_EQ(ec, bhttp::error::body_limit);
  EXPECT_EQ(request.body, "");
}

TEST(RequestParserTest, ResponseIsNotARequest) {
  Request request;
  RequestParser parser(&request);
  auto ec = ParseInSteps("HTTP/1.1 200 OK\r\n\r\n", 1000, &parser);
  EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace opentrack::http::internal
