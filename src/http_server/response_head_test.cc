#include "http_server/response_head.h"

#include <string>

#include "gtest/gtest.h"

namespace opentrack::http::internal {
namespace {

std::string Head(const Response& response, unsigned version, bool head, bool close,
                 ResponseFraming* framing = nullptr) {
  std::string out = "kept|";
  ResponseFraming f = AppendResponseHead(response, version, head, close, &out);
  if (framing != nullptr) *framing = f;
  return out;
}

TEST(ResponseHeadTest, KeepAliveJsonResponse) {
  ResponseFraming framing;
  EXPECT_EQ(Head(Response::Json(200, "{\"success\":true}"), 11, false, false, &framing),
            "kept|HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: 16\r\n\r\n");
  EXPECT_EQ(framing.status, 200);
  EXPECT_TRUE(framing.send_body);
  EXPECT_FALSE(framing.close);
}

TEST(ResponseHeadTest, CloseIsAnnouncedOnHttp11) {
  ResponseFraming framing;
  EXPECT_EQ(Head(Response::Text(413, "big\n"), 11, false, true, &framing),
            "kept|HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 4\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(framing.close);
}

TEST(ResponseHeadTest, Http10KeepAliveIsAnnouncedAndCloseIsImplied) {
  Response response;
  EXPECT_EQ(Head(response, 10, false, false),
            "kept|HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(Head(response, 10, false, true), "kept|HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHeadTest, HandlerConnectionCloseClosesAndContentLengthIsReplaced) {
  Response response = Response::Text(200, "abc");
  response.headers.emplace_back("connection", "Close");
  response.headers.emplace_back("Content-Length", "999");
  ResponseFraming framing;
  EXPECT_EQ(Head(response, 11, false, false, &framing),
            "kept|HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 3\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(framing.close);
}

TEST(ResponseHeadTest, HeadRequestKeepsLengthWithoutBody) {
  ResponseFraming framing;
  EXPECT_EQ(Head(Response::Text(200, "12345"), 11, true, false, &framing),
            "kept|HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 5\r\n\r\n");
  EXPECT_FALSE(framing.send_body);
}

TEST(ResponseHeadTest, BodilessStatusesHaveNoLengthAndNoBody) {
  for (int status : {101, 204, 304}) {
    ResponseFraming framing;
    Response response = Response::Text(status, "ignored");
    std::string head = Head(response, 11, false, false, &framing);
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
    EXPECT_FALSE(framing.send_body) << status;
  }
}

TEST(ResponseHeadTest, InvalidStatusBecomes500) {
  ResponseFraming framing;
  Response response;
  response.status = 5000;
  EXPECT_EQ(Head(response, 11, false, false, &framing),
            "kept|HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(framing.status, 500);
  response.status = 42;
  Head(response, 11, false, false, &framing);
  EXPECT_EQ(framing.status, 500);
}

TEST(ResponseHeadTest, HeaderWithLineBreakIsDropped) {
  Response response;
  response.headers.emplace_back("X-Split", "a\r\nSet-Cookie: evil");
  response.headers.emplace_back("X-Bad\nName", "v");
  response.headers.emplace_back("", "v");
  response.headers.emplace_back("X-Ok", "fine");
  EXPECT_EQ(Head(response, 11, false, false),
            "kept|HTTP/1.1 200 OK\r\nX-Ok: fine\r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace opentrack::http::internal
