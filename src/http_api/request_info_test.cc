#include "http_api/request_info.h"

#include "gtest/gtest.h"
#include "http_api/test_util.h"

namespace opentrack::http_api {
namespace {

TEST(BasicAuthUserTest, Forms) {
  EXPECT_EQ(BasicAuthUser(testing::BasicAuth("abc")), "abc");
  EXPECT_EQ(BasicAuthUser("basic YWJjOnB3"), "abc");    // "abc:pw", password ignored
  EXPECT_EQ(BasicAuthUser("  Basic   YWJj  "), "abc");  // no colon at all
  EXPECT_EQ(BasicAuthUser("Basic Og=="), "");           // ":" -> empty user
  EXPECT_EQ(BasicAuthUser(""), std::nullopt);
  EXPECT_EQ(BasicAuthUser("Bearer YWJj"), std::nullopt);
  EXPECT_EQ(BasicAuthUser("Basic ***"), std::nullopt);
}

TEST(ClientIpTest, ForwardedForFirstHopElsePeer) {
  http::Request request;
  request.remote_address = "127.0.0.1";
  EXPECT_EQ(ClientIp(request), "127.0.0.1");
  request.headers = {{"x-forwarded-for", "198.51.100.1, 10.1.1.1"}};
  EXPECT_EQ(ClientIp(request), "198.51.100.1");
  request.headers = {{"X-Forwarded-For", " , 10.1.1.1"}};
  EXPECT_EQ(ClientIp(request), "127.0.0.1");
}

}  // namespace
}  // namespace opentrack::http_api
