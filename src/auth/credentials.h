// Google credentials: what every BigQuery request puts in its Authorization
// header. Implementations fetch OAuth2 access tokens and cache them.
#ifndef OPENTRACK_AUTH_CREDENTIALS_H_
#define OPENTRACK_AUTH_CREDENTIALS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace opentrack::auth {

inline constexpr char kBigQueryScope[] = "https://www.googleapis.com/auth/bigquery";
inline constexpr char kDefaultTokenUri[] = "https://oauth2.googleapis.com/token";

// Thread-safe.
class Credentials {
 public:
  virtual ~Credentials() = default;
  // "Bearer <token>", or "" when requests go out unauthenticated (emulator).
  virtual absl::StatusOr<std::string> AuthorizationHeader() = 0;
  // Forgets any cached token so the next call fetches a fresh one; called
  // after the server answers 401.
  virtual void Invalidate() {}
};

// For the emulator: no Authorization header at all.
class NoCredentials final : public Credentials {
 public:
  absl::StatusOr<std::string> AuthorizationHeader() override { return std::string(); }
};

struct AccessToken {
  std::string token;
  absl::Time expiration;
};

// Caches one token and refreshes it when fewer than kRefreshSlack remain
// (spec 10.17). One refresh at a time: concurrent callers wait for it and
// share its result instead of each hitting the token endpoint.
class CachingCredentials : public Credentials {
 public:
  static constexpr absl::Duration kRefreshSlack = absl::Minutes(5);

  explicit CachingCredentials(Clock* clock) : clock_(clock) {}

  absl::StatusOr<std::string> AuthorizationHeader() final;
  void Invalidate() final;

 protected:
  // Fetches a new token; `now` is the clock's time at the start of the fetch.
  virtual absl::StatusOr<AccessToken> FetchToken(absl::Time now) = 0;

 private:
  Clock* const clock_;
  absl::Mutex mu_;  // held across a fetch so callers share it
  std::optional<AccessToken> token_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opentrack::auth

#endif  // OPENTRACK_AUTH_CREDENTIALS_H_
