#include "auth/credentials.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "auth/authorized_user_credentials.h"
#include "auth/compute_engine_credentials.h"
#include "auth/default_credentials.h"
#include "auth/service_account_credentials.h"
#include "auth/test_keys.h"
#include "common/clock.h"
#include "common/error_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_client/fake_http_client.h"
#include "simdjson.h"

namespace opentrack::auth {
namespace {

using http_client::FakeHttpClient;
using http_client::HttpRequest;
using http_client::HttpResponse;
using ::testing::HasSubstr;

constexpr char kTokenUri[] = "https://oauth2.test/token";

std::string TokenJson(const std::string& token, int expires_in = 3600) {
  return R"({"access_token":")" + token + R"(","expires_in":)" + std::to_string(expires_in) +
         R"(,"token_type":"Bearer"})";
}

const test_keys::TestKey& Key() {
  static const test_keys::TestKey* key = new test_keys::TestKey(test_keys::MakeTestKey());
  return *key;
}

std::string WriteTempFile(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialsConfig Config() {
    CredentialsConfig config;
    config.http = http_;
    config.clock = &clock_;
    config.use_metadata_server = false;
    return config;
  }

  FakeClock clock_;
  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
};

TEST_F(CredentialsTest, ServiceAccountSignsJwtAndExchangesIt) {
  CredentialsConfig config = Config();
  config.credentials_json = test_keys::ServiceAccountJson(Key(), kTokenUri);
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  http_->Push(200, TokenJson("ya29.token"));
  auto header = (*credentials)->AuthorizationHeader();
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(*header, "Bearer ya29.token");

  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, kTokenUri);
  EXPECT_EQ(requests[0].Header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_THAT(requests[0].body,
              ::testing::StartsWith(
                  "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="));
  auto form = test_keys::ParseForm(requests[0].body);
  EXPECT_EQ(form["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer");
  auto jwt = test_keys::VerifyJwt(form["assertion"], Key().public_pem);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->header_json, R"({"alg":"RS256","typ":"JWT","kid":"kid-1"})");
  int64_t iat = absl::ToUnixSeconds(clock_.Now());
  EXPECT_EQ(
      jwt->claims_json,
      R"({"iss":"sa@proj.iam.gserviceaccount.com","scope":"https://www.googleapis.com/auth/bigquery",)"
      R"("aud":"https://oauth2.test/token","iat":)" +
          std::to_string(iat) + R"(,"exp":)" + std::to_string(iat + 3600) + "}");
}

TEST_F(CredentialsTest, TokenIsCachedUntilFiveMinutesRemain) {
  CredentialsConfig config = Config();
  config.credentials_json = test_keys::ServiceAccountJson(Key(), kTokenUri);
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok());
  http_->Push(200, TokenJson("first"));
  http_->Push(200, TokenJson("second"));
  EXPECT_EQ(*(*credentials)->AuthorizationHeader(), "Bearer first");
  clock_.Advance(absl::Minutes(55));  // exactly 5 minutes left: still fine
  EXPECT_EQ(*(*credentials)->AuthorizationHeader(), "Bearer first");
  EXPECT_EQ(http_->requests().size(), 1u);
  clock_.Advance(absl::Seconds(1));  // under 5 minutes: refresh
  EXPECT_EQ(*(*credentials)->AuthorizationHeader(), "Bearer second");
  EXPECT_EQ(http_->requests().size(), 2u);
}

TEST_F(CredentialsTest, InvalidateForcesRefresh) {
  CredentialsConfig config = Config();
  config.credentials_json = test_keys::ServiceAccountJson(Key(), kTokenUri);
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok());
  http_->Push(200, TokenJson("first"));
  http_->Push(200, TokenJson("second"));
  EXPECT_EQ(*(*credentials)->AuthorizationHeader(), "Bearer first");
  (*credentials)->Invalidate();
  EXPECT_EQ(*(*credentials)->AuthorizationHeader(), "Bearer second");
}

TEST_F(CredentialsTest, ConcurrentCallersShareOneRefresh) {
  CredentialsConfig config = Config();
  config.credentials_json = test_keys::ServiceAccountJson(Key(), kTokenUri);
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok());
  std::atomic<int> fetches{0};
  http_->SetHandler([&](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    ++fetches;
    return HttpResponse{200, {}, TokenJson("shared")};
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto header = (*credentials)->AuthorizationHeader();
      if (header.ok() && *header == "Bearer shared") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(fetches.load(), 1);
}

TEST_F(CredentialsTest, TokenEndpointErrorIsUnauthenticatedWithOAuthCode) {
  CredentialsConfig config = Config();
  config.credentials_json = test_keys::ServiceAccountJson(Key(), kTokenUri);
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok());
  http_->Push(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
  auto header = (*credentials)->AuthorizationHeader();
  EXPECT_EQ(header.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorCode(header.status()), "invalid_grant");
  EXPECT_THAT(std::string(header.status().message()),
              HasSubstr("answered HTTP 400: invalid_grant: Invalid JWT Signature."));
}

TEST_F(CredentialsTest, TokenResponseWithoutAccessTokenIsAnError) {
  CredentialsConfig config = Config();
  config.credentials_json = test_keys::ServiceAccountJson(Key(), kTokenUri);
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok());
  http_->Push(200, R"({"expires_in":3600,"token_type":"Bearer"})");
  auto header = (*credentials)->AuthorizationHeader();
  EXPECT_EQ(header.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(header.status().message()), HasSubstr("lacks \"access_token\""));
}

TEST_F(CredentialsTest, TokenUriOverrideWins) {
  CredentialsConfig config = Config();
  config.credentials_json = test_keys::ServiceAccountJson(Key(), kTokenUri);
  config.token_uri_override = "http://127.0.0.1:1/token";
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok());
  http_->Push(200, TokenJson("t"));
  ASSERT_TRUE((*credentials)->AuthorizationHeader().ok());
  EXPECT_EQ(http_->requests()[0].url, "http://127.0.0.1:1/token");
}

TEST_F(CredentialsTest, AuthorizedUserRefreshFlow) {
  CredentialsConfig config = Config();
  config.credentials_file = WriteTempFile(
      "user.json",
      R"({"type":"authorized_user","client_id":"cid.apps","client_secret":"s&cret","refresh_token":"1//rt"})");
  config.token_uri_override = kTokenUri;
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  http_->Push(200, TokenJson("user-token"));
  EXPECT_EQ(*(*credentials)->AuthorizationHeader(), "Bearer user-token");
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].url, kTokenUri);
  EXPECT_EQ(
      requests[0].body,
      "grant_type=refresh_token&client_id=cid.apps&client_secret=s%26cret&refresh_token=1%2F%2Frt");
}

TEST_F(CredentialsTest, ComputeEngineFlowAfterProbe) {
  CredentialsConfig config = Config();
  config.use_metadata_server = true;
  config.metadata_host = "127.0.0.1:8999";
  http_->Push(200, "computeMetadata/\n", {{"Metadata-Flavor", "Google"}});
  auto credentials = DefaultCredentials(config);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  http_->Push(200, TokenJson("gce-token", 3599), {{"Metadata-Flavor", "Google"}});
  EXPECT_EQ(*(*credentials)->AuthorizationHeader(), "Bearer gce-token");
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:8999/computeMetadata/v1/");
  EXPECT_EQ(requests[0].Header("Metadata-Flavor"), "Google");
  EXPECT_GT(requests[0].timeout, absl::ZeroDuration());
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].url,
            "http://127.0.0.1:8999/computeMetadata/v1/instance/service-accounts/default/token");
  EXPECT_EQ(requests[1].Header("Metadata-Flavor"), "Google");
}

TEST_F(CredentialsTest, NothingFoundIsFailedPrecondition) {
  CredentialsConfig config = Config();
  config.use_metadata_server = true;
  config.home = ::testing::TempDir() + "/no-such-home";
  http_->Push(absl::UnavailableError("Could not resolve host: metadata.google.internal"));
  auto credentials = DefaultCredentials(config);
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(credentials.status().message()),
              HasSubstr("Could not resolve host: metadata.google.internal"));
}

TEST_F(CredentialsTest, ProbeWithoutFlavorHeaderIsRejected) {
  CredentialsConfig config = Config();
  config.use_metadata_server = true;
  http_->Push(200, "<html>captive portal</html>");
  EXPECT_EQ(DefaultCredentials(config).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CredentialsTest, InlineJsonBeatsFile) {
  CredentialsConfig config = Config();
  config.credentials_json = test_keys::ServiceAccountJson(Key(), kTokenUri);
  config.credentials_file = "/nonexistent/key.json";
  EXPECT_TRUE(DefaultCredentials(config).ok());
}

TEST_F(CredentialsTest, UnreadableFileDoesNotFallThrough) {
  CredentialsConfig config = Config();
  config.credentials_file = "/nonexistent/key.json";
  config.gcloud_config_dir = ::testing::TempDir();
  auto credentials = DefaultCredentials(config);
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(credentials.status().message(),
            "GOOGLE_APPLICATION_CREDENTIALS file /nonexistent/key.json: cannot open the file");
}

TEST_F(CredentialsTest, MissingFieldNamesFileAndField) {
  CredentialsConfig config = Config();
  config.credentials_file = WriteTempFile(
      "nokey.json", R"({"type":"service_account","client_email":"sa@p.iam.gserviceaccount.com"})");
  auto credentials = DefaultCredentials(config);
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(credentials.status().message(), "GOOGLE_APPLICATION_CREDENTIALS file " +
                                                config.credentials_file +
                                                ": missing or empty string field \"private_key\"");
}

TEST_F(CredentialsTest, BadPemNamesTheField) {
  CredentialsConfig config = Config();
  config.credentials_json =
      R"({"type":"service_account","client_email":"sa@p","private_key":"-----BEGIN PRIVATE KEY-----\nnope\n"})";
  auto credentials = DefaultCredentials(config);
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(credentials.status().message()),
              HasSubstr("GOOGLE_APPLICATION_CREDENTIALS_JSON"));
  EXPECT_THAT(std::string(credentials.status().message()),
              HasSubstr("field \"private_key\" is not a PEM key"));
}

TEST_F(CredentialsTest, NotJsonAndUnknownType) {
  CredentialsConfig config = Config();
  config.credentials_json = "not json";
  EXPECT_THAT(std::string(DefaultCredentials(config).status().message()),
              HasSubstr("GOOGLE_APPLICATION_CREDENTIALS_JSON: not valid JSON"));
  config.credentials_json = R"({"type":"external_account"})";
  EXPECT_THAT(std::string(DefaultCredentials(config).status().message()),
              HasSubstr("field \"type\" is \"external_account\""));
}

TEST_F(CredentialsTest, GcloudWellKnownFileFromConfigDirAndHome) {
  std::string dir = ::testing::TempDir() + "/gcloud-cfg";
  std::string home = ::testing::TempDir() + "/home-x";
  ASSERT_EQ(system(("mkdir -p " + dir + " " + home + "/.config/gcloud").c_str()), 0);
  std::string user =
      R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r","token_uri":")" +
      std::string(kTokenUri) + "\"}";
  WriteTempFile("gcloud-cfg/application_default_credentials.json", user);
  WriteTempFile("home-x/.config/gcloud/application_default_credentials.json",
                test_keys::ServiceAccountJson(Key(), "https://home.test/token"));

  CredentialsConfig config = Config();
  config.gcloud_config_dir = dir;
  config.home = home;
  auto from_dir = DefaultCredentials(config);
  ASSERT_TRUE(from_dir.ok()) << from_dir.status();
  http_->Push(200, TokenJson("a"));
  ASSERT_TRUE((*from_dir)->AuthorizationHeader().ok());
  EXPECT_THAT(http_->requests().back().body, HasSubstr("grant_type=refresh_token"));

  config.gcloud_config_dir.clear();
  auto from_home = DefaultCredentials(config);
  ASSERT_TRUE(from_home.ok()) << from_home.status();
  http_->Push(200, TokenJson("b"));
  ASSERT_TRUE((*from_home)->AuthorizationHeader().ok());
  EXPECT_EQ(http_->requests().back().url, "https://home.test/token");
}

TEST(CredentialsConfigTest, FromEnvironment) {
  setenv("GOOGLE_APPLICATION_CREDENTIALS_JSON", "{inline}", 1);
  setenv("GOOGLE_APPLICATION_CREDENTIALS", "/k.json", 1);
  setenv("CLOUDSDK_CONFIG", "/cfg", 1);
  setenv("HOME", "/home/u", 1);
  unsetenv("GCE_METADATA_HOST");
  setenv("GCE_METADATA_ROOT", "10.0.0.1:80", 1);
  CredentialsConfig config = CredentialsConfig::FromEnvironment();
  EXPECT_EQ(config.credentials_json, "{inline}");
  EXPECT_EQ(config.credentials_file, "/k.json");
  EXPECT_EQ(config.gcloud_config_dir, "/cfg");
  EXPECT_EQ(config.home, "/home/u");
  EXPECT_EQ(config.metadata_host, "10.0.0.1:80");
  setenv("GCE_METADATA_HOST", "127.0.0.1:1234", 1);
  EXPECT_EQ(CredentialsConfig::FromEnvironment().metadata_host, "127.0.0.1:1234");
  unsetenv("GCE_METADATA_HOST");
  unsetenv("GCE_METADATA_ROOT");
  EXPECT_EQ(CredentialsConfig::FromEnvironment().metadata_host, "metadata.google.internal");
}

TEST(NoCredentialsTest, EmptyHeader) {
  NoCredentials none;
  EXPECT_EQ(*none.AuthorizationHeader(), "");
}

}  // namespace
}  // namespace opentrack::auth
