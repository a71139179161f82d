#include "auth/token_exchange.h"

#include <string>

#include "absl/status/status.h"
#include "common/error_code.h"
#include "http_client/internal/str_cat.h"
#include "simdjson.h"

namespace opentrack::auth {

using http_client_internal::Cat;

absl::StatusOr<AccessToken> ParseTokenResponse(const http_client::HttpResponse& response,
                                               absl::Time now, std::string_view what) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool is_json = parser.parse(response.body).get(root) == simdjson::SUCCESS && root.is_object();
  if (response.status < 200 || response.status >= 300) {
    std::string detail = response.body.substr(0, 200);
    std::string_view error, description;
    if (is_json && root["error"].get_string().get(error) == simdjson::SUCCESS) {
      if (root["error_description"].get_string().get(description) != simdjson::SUCCESS) {
        description = {};
      }
      detail = Cat(error, description.empty() ? "" : ": ", description);
    }
    std::string message = Cat(what, " answered HTTP ", response.status, ": ", detail);
    bool auth_failure = response.status == 400 || response.status == 401 || response.status == 403;
    absl::Status status =
        auth_failure ? absl::UnauthenticatedError(message) : absl::UnavailableError(message);
    return error.empty() ? status : WithErrorCode(status, error);
  }
  if (!is_json) return absl::UnavailableError(Cat(what, " returned a non-JSON body"));
  std::string_view token, type;
  int64_t expires_in = 0;
  if (root["access_token"].get_string().get(token) != simdjson::SUCCESS || token.empty()) {
    return absl::UnavailableError(Cat(what, " response lacks \"access_token\""));
  }
  if (root["token_type"].get_string().get(type) != simdjson::SUCCESS) {
    return absl::UnavailableError(Cat(what, " response lacks \"token_type\""));
  }
  if (root["expires_in"].get_int64().get(expires_in) != simdjson::SUCCESS) {
    return absl::UnavailableError(Cat(what, " response lacks \"expires_in\""));
  }
  return AccessToken{std::string(token), now + absl::Seconds(expires_in)};
}

absl::StatusOr<AccessToken> ExchangeToken(http_client::HttpClient& http,
                                          const http_client::HttpRequest& request, absl::Time now,
                                          std::string_view what) {
  absl::StatusOr<http_client::HttpResponse> response = http.Send(request);
  if (!response.ok()) return WithContext(response.status(), what);
  return ParseTokenResponse(*response, now, what);
}

}  // namespace opentrack::auth
