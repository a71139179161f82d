// The OAuth2 token endpoint and metadata server share one response shape;
// this parses it and turns failures into Status.
#ifndef OPENTRACK_AUTH_TOKEN_EXCHANGE_H_
#define OPENTRACK_AUTH_TOKEN_EXCHANGE_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/credentials.h"
#include "http_client/http_client.h"

namespace opentrack::auth {

// Parses {"access_token","expires_in","token_type"}; all three are required.
// Non-2xx answers become Unauthenticated (400/401/403, with OAuth's "error"
// and "error_description") or Unavailable (anything else). `what` names the
// endpoint in messages.
absl::StatusOr<AccessToken> ParseTokenResponse(const http_client::HttpResponse& response,
                                               absl::Time now, std::string_view what);

// Sends `request` and parses the answer with ParseTokenResponse.
absl::StatusOr<AccessToken> ExchangeToken(http_client::HttpClient& http,
                                          const http_client::HttpRequest& request, absl::Time now,
                                          std::string_view what);

}  // namespace opentrack::auth

#endif  // OPENTRACK_AUTH_TOKEN_EXCHANGE_H_
