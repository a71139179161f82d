// Service-account keys: a JWT signed with the key (RS256) is exchanged at the
// token URI for an access token (OAuth2 JWT-bearer flow, spec 6.1).
#ifndef OPENTRACK_AUTH_SERVICE_ACCOUNT_CREDENTIALS_H_
#define OPENTRACK_AUTH_SERVICE_ACCOUNT_CREDENTIALS_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/credentials.h"
#include "common/clock.h"
#include "http_client/http_client.h"

namespace opentrack::auth {

struct ServiceAccountKey {
  std::string client_email;
  std::string private_key;  // PEM
  std::string private_key_id;
  std::string token_uri = kDefaultTokenUri;
  std::string project_id;
};

// Parses a "service_account" key file's JSON. `source` names the file (or
// variable) in error messages, with the offending field.
absl::StatusOr<ServiceAccountKey> ParseServiceAccountKey(std::string_view json,
                                                         std::string_view source);

class ServiceAccountCredentials final : public CachingCredentials {
 public:
  // Fails with InvalidArgument when the PEM key does not load.
  static absl::StatusOr<std::unique_ptr<ServiceAccountCredentials>> Create(
      ServiceAccountKey key, std::shared_ptr<http_client::HttpClient> http, Clock* clock,
      std::string scope = kBigQueryScope);
  ~ServiceAccountCredentials() override;

  // The signed JWT assertion for `now`; exposed for tests.
  absl::StatusOr<std::string> MakeAssertion(absl::Time now) const;

 private:
  ServiceAccountCredentials(ServiceAccountKey key, void* pkey,
                            std::shared_ptr<http_client::HttpClient> http, Clock* clock,
                            std::string scope);
  absl::StatusOr<AccessToken> FetchToken(absl::Time now) override;

  const ServiceAccountKey key_;
  void* const pkey_;  // EVP_PKEY*, owned
  const std::shared_ptr<http_client::HttpClient> http_;
  const std::string scope_;
};

}  // namespace opentrack::auth

#endif  // OPENTRACK_AUTH_SERVICE_ACCOUNT_CREDENTIALS_H_
