#include "gtest/gtest.h"
#include "http_server/http_server.h"

namespace opentrack::http {
namespace {

TEST(RequestTest, HeaderIsCaseInsensitiveAndFirstWins) {
  Request r;
  r.headers = {{"Content-Type", "text/plain"}, {"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(r.Header("content-type"), "text/plain");
  EXPECT_EQ(r.Header("X-A"), "1");
  EXPECT_EQ(r.Header("missing"), "");
}

TEST(RequestTest, QueryParamDecodes) {
  Request r;
  r.query = "a=1&b=hello+world&c=%2Fx%3D&flag&d=%zz&a=2";
  EXPECT_EQ(r.QueryParam("a"), "1");
  EXPECT_EQ(r.QueryParam("b"), "hello world");
  EXPECT_EQ(r.QueryParam("c"), "/x=");
  EXPECT_EQ(r.QueryParam("flag"), "");
  EXPECT_EQ(r.QueryParam("d"), "%zz");
  EXPECT_EQ(r.QueryParam("missing"), "");
}

TEST(RequestTest, PercentDecodeKeepsTruncatedEscape) {
  EXPECT_EQ(PercentDecode("a%4"), "a%4");
  EXPECT_EQ(PercentDecode("%41%42"), "AB");
}

TEST(ResponseTest, FactoriesAndSetHeader) {
  Response json = Response::Json(201, "{}");
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.Header("content-type"), "application/json");
  Response text = Response::Text(404, "no");
  EXPECT_EQ(text.Header("Content-Type"), "text/plain; charset=utf-8");
  text.SetHeader("content-type", "text/html");
  text.SetHeader("X-New", "1");
  ASSERT_EQ(text.headers.size(), 2u);
  EXPECT_EQ(text.headers[0].first, "Content-Type");
  EXPECT_EQ(text.headers[0].second, "text/html");
  EXPECT_EQ(text.Header("x-new"), "1");
}

}  // namespace
}  // namespace opentrack::http
