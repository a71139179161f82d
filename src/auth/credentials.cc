#include "auth/credentials.h"

#include "http_client/internal/str_cat.h"

namespace opentrack::auth {

using http_client_internal::Cat;

absl::StatusOr<std::string> CachingCredentials::AuthorizationHeader() {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_->Now();
  if (!token_.has_value() || token_->expiration - now < kRefreshSlack) {
    absl::StatusOr<AccessToken> fresh = FetchToken(now);
    if (!fresh.ok()) return fresh.status();
    token_ = *std::move(fresh);
  }
  return Cat("Bearer ", token_->token);
}

void CachingCredentials::Invalidate() {
  absl::MutexLock lock(&mu_);
  token_.reset();
}

}  // namespace opentrack::auth
