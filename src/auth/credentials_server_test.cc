// The credential flows end to end over real HTTP: CurlHttpClient against a
// fake OAuth token endpoint and a fake metadata server on 127.0.0.1:0.
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "auth/default_credentials.h"
#include "auth/test_keys.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_client/curl_http_client.h"
#include "http_server/http_server.h"
#include "simdjson.h"

namespace opentrack::auth {
namespace {

using ::testing::HasSubstr;

// Verifies what Google's token endpoint verifies and hands out counted tokens.
class FakeGoogle {
 public:
  explicit FakeGoogle(Clock* clock) : key_(test_keys::MakeTestKey()), clock_(clock) {
    auto server = http::Server::Start(
        {}, [this](http::Request r, http::Responder respond) { respond(Handle(r)); });
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::string host() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  std::string token_uri() const { return "http://" + host() + "/token"; }
  const test_keys::TestKey& key() const { return key_; }
  std::string last_error() {
    absl::MutexLock lock(&mu_);
    return last_error_;
  }

 private:
  http::Response Fail(const std::string& why) {
    absl::MutexLock lock(&mu_);
    last_error_ = why;
    return http::Response::Json(400,
                                R"({"error":"invalid_grant","error_description":")" + why + "\"}");
  }

  http::Response Token(const std::string& prefix) {
    absl::MutexLock lock(&mu_);
    return http::Response::Json(200, R"({"access_token":")" + prefix + std::to_string(++issued_) +
                                         R"(","expires_in":3600,"token_type":"Bearer"})");
  }

  http::Response Handle(const http::Request& r) {
    if (r.path == "/computeMetadata/v1/" || r.path.starts_with("/computeMetadata/")) {
      if (r.Header("Metadata-Flavor") != "Google") return Fail("missing Metadata-Flavor");
      http::Response response = r.path == "/computeMetadata/v1/"
                                    ? http::Response::Text(200, "instance/\n")
                                    : Token("gce-");
      response.SetHeader("Metadata-Flavor", "Google");
      if (r.path != "/computeMetadata/v1/" &&
          r.path != "/computeMetadata/v1/instance/service-accounts/default/token") {
        return http::Response::Text(404, "not found");
      }
      return response;
    }
    if (r.path != "/token" || r.method != "POST") return http::Response::Text(404, "not found");
    if (r.Header("Content-Type") != "application/x-www-form-urlencoded")
      return Fail("content type");
    auto form = test_keys::ParseForm(r.body);
    if (form["grant_type"] == "refresh_token") {
      if (form["client_id"] != "cid" || form["client_secret"] != "sec" ||
          form["refresh_token"] != "rt") {
        return Fail("bad refresh grant");
      }
      return Token("user-");
    }
    if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer") return Fail("grant");
    auto jwt = test_keys::VerifyJwt(form["assertion"], key_.public_pem);
    if (!jwt.ok()) return Fail("signature");
    simdjson::dom::parser parser;
    simdjson::dom::element claims;
    if (parser.parse(jwt->claims_json).get(claims) != simdjson::SUCCESS) return Fail("claims json");
    std::string_view iss, scope, aud;
    int64_t iat = 0, exp = 0;
    if (claims["iss"].get(iss) || claims["scope"].get(scope) || claims["aud"].get(aud) ||
        claims["iat"].get(iat) || claims["exp"].get(exp)) {
      return Fail("claim missing");
    }
    int64_t now = absl::ToUnixSeconds(clock_->Now());
    if (iss != "sa@proj.iam.gserviceaccount.com") return Fail("iss");
    if (scope != "https://www.googleapis.com/auth/bigquery") return Fail("scope");
    if (aud != token_uri()) return Fail("aud");
    if (iat > now || exp - iat > 3600 || exp <= now) return Fail("lifetime");
    return Token("sa-");
  }

  test_keys::TestKey key_;
  Clock* clock_;
  std::unique_ptr<http::Server> server_;
  absl::Mutex mu_;
  int issued_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

class CredentialsServerTest : public ::testing::Test {
 protected:
  CredentialsConfig Config() {
    CredentialsConfig config;
    config.http = std::make_shared<http_client::CurlHttpClient>();
    config.clock = &clock_;
    config.metadata_host = google_.host();
    config.home = ::testing::TempDir() + "/nonexistent-home";
    return config;
  }

  FakeClock clock_{absl::Now()};
  FakeGoogle google_{&clock_};
};

TEST_F(CredentialsServerTest, ServiceAccountJwtVerifiedByEndpoint) {
  CredentialsConfig config = Config();
  config.credentials_json = test_keys::ServiceAccountJson(google_.key(), google_.token_uri());
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  auto header = (*credentials)->AuthorizationHeader();
  ASSERT_TRUE(header.ok()) << header.status() << " / " << google_.last_error();
  EXPECT_EQ(*header, "Bearer sa-1");
  EXPECT_EQ(*(*credentials)->AuthorizationHeader(), "Bearer sa-1");  // cached
  clock_.Advance(absl::Minutes(56));
  EXPECT_EQ(*(*credentials)->AuthorizationHeader(), "Bearer sa-2");  // refreshed
}

TEST_F(CredentialsServerTest, WrongKeyIsRejectedByEndpoint) {
  CredentialsConfig config = Config();
  test_keys::TestKey other = test_keys::MakeTestKey();
  config.credentials_json = test_keys::ServiceAccountJson(other, google_.token_uri());
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok());
  auto header = (*credentials)->AuthorizationHeader();
  EXPECT_EQ(header.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(header.status().message()), HasSubstr("invalid_grant: signature"));
}

TEST_F(CredentialsServerTest, AuthorizedUser) {
  CredentialsConfig config = Config();
  config.credentials_json =
      R"({"type":"authorized_user","client_id":"cid","client_secret":"sec","refresh_token":"rt"})";
  config.token_uri_override = google_.token_uri();
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  auto header = (*credentials)->AuthorizationHeader();
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(*header, "Bearer user-1");
}

TEST_F(CredentialsServerTest, MetadataServer) {
  auto credentials = DefaultCredentials(Config());
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  auto header = (*credentials)->AuthorizationHeader();
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(*header, "Bearer gce-1");
}

TEST_F(CredentialsServerTest, NoMetadataServerListening) {
  CredentialsConfig config = Config();
  config.metadata_host = "127.0.0.1:1";  // nothing listens on port 1
  config.metadata_probe_timeout = absl::Milliseconds(500);
  auto credentials = DefaultCredentials(config);
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(credentials.status().message()),
              HasSubstr("metadata server 127.0.0.1:1"));
}

}  // namespace
}  // namespace opentrack::auth
