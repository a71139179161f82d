#include "auth/authorized_user_credentials.h"

#include <utility>

#include "auth/json_fields.h"
#include "auth/token_exchange.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::auth {

using http_client_internal::Cat;

absl::StatusOr<AuthorizedUserInfo> ParseAuthorizedUser(std::string_view json,
                                                       std::string_view source) {
  simdjson::dom::parser parser;
  auto object = auth_internal::ParseObject(parser, json, source);
  if (!object.ok()) return object.status();
  AuthorizedUserInfo info;
  for (auto [field, target] :
       {std::pair{"client_id", &info.client_id}, std::pair{"client_secret", &info.client_secret},
        std::pair{"refresh_token", &info.refresh_token}}) {
    auto value = auth_internal::RequiredString(*object, field, source);
    if (!value.ok()) return value.status();
    *target = *std::move(value);
  }
  info.token_uri = auth_internal::OptionalString(*object, "token_uri", kDefaultTokenUri);
  return info;
}

AuthorizedUserCredentials::AuthorizedUserCredentials(AuthorizedUserInfo info,
                                                     std::shared_ptr<http_client::HttpClient> http,
                                                     Clock* clock)
    : CachingCredentials(clock), info_(std::move(info)), http_(std::move(http)) {}

absl::StatusOr<AccessToken> AuthorizedUserCredentials::FetchToken(absl::Time now) {
  using http_client::UrlEncode;
  http_client::HttpRequest request;
  request.method = "POST";
  request.url = info_.token_uri;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = Cat("grant_type=refresh_token&client_id=", UrlEncode(info_.client_id),
                     "&client_secret=", UrlEncode(info_.client_secret),
                     "&refresh_token=", UrlEncode(info_.refresh_token));
  return ExchangeToken(*http_, request, now,
                       Cat("token endpoint ", info_.token_uri, " (authorized user)"));
}

}  // namespace opentrack::auth
