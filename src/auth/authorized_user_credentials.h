// User credentials from `gcloud auth application-default login`: a refresh
// token exchanged at the token URI (spec 6.3).
#ifndef OPENTRACK_AUTH_AUTHORIZED_USER_CREDENTIALS_H_
#define OPENTRACK_AUTH_AUTHORIZED_USER_CREDENTIALS_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/credentials.h"
#include "http_client/http_client.h"

namespace opentrack::auth {

struct AuthorizedUserInfo {
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  std::string token_uri = kDefaultTokenUri;
};

// Parses an "authorized_user" file's JSON; `source` names it in errors.
absl::StatusOr<AuthorizedUserInfo> ParseAuthorizedUser(std::string_view json,
                                                       std::string_view source);

class AuthorizedUserCredentials final : public CachingCredentials {
 public:
  AuthorizedUserCredentials(AuthorizedUserInfo info, std::shared_ptr<http_client::HttpClient> http,
                            Clock* clock);

 private:
  absl::StatusOr<AccessToken> FetchToken(absl::Time now) override;

  const AuthorizedUserInfo info_;
  const std::shared_ptr<http_client::HttpClient> http_;
};

}  // namespace opentrack::auth

#endif  // OPENTRACK_AUTH_AUTHORIZED_USER_CREDENTIALS_H_
