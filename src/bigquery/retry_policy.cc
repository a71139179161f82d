#include "bigquery/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "bigquery/error_mapping.h"
#include "common/error_code.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::bigquery {

ErrorClass Classify(const absl::Status& status) {
  if (status.ok()) return ErrorClass::kPermanent;
  const std::string reason = ErrorReason(status);
  if (reason == "backendError" || reason == "internalError" || reason == "rateLimitExceeded" ||
      reason == "badGateway") {
    return ErrorClass::kRetryable;
  }
  if (reason == "quotaExceeded") return ErrorClass::kQuotaExceeded;
  // These describe the request, not the moment, whatever the HTTP code.
  static constexpr std::string_view kNeverRetry[] = {
      "invalid",       "invalidQuery",      "notFound",       "duplicate",
      "accessDenied",  "billingNotEnabled", "badRequest",     "responseTooLarge",
      "resourceInUse", "resourcesExceeded", "notImplemented", "stopped"};
  for (std::string_view never : kNeverRetry) {
    if (reason == never) return ErrorClass::kPermanent;
  }
  // A configuration problem, whatever code it arrives with (spec 10.20).
  if (absl::StrContains(status.message(), "not allowed in the free tier")) {
    return ErrorClass::kPermanent;
  }
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:        // 5xx, refused, reset
    case absl::StatusCode::kDeadlineExceeded:   // transport timeout
    case absl::StatusCode::kResourceExhausted:  // 429 without a reason
      return ErrorClass::kRetryable;
    default:
      return ErrorClass::kPermanent;
  }
}

JitterSource SeededJitter(uint64_t seed) {
  return [engine = std::mt19937_64(seed)]() mutable {
    // 53 random bits -> [0, 1), independent of the library's distributions.
    return static_cast<double>(engine() >> 11) * 0x1.0p-53;
  };
}

RetryPolicy::RetryPolicy(RetryOptions options, Clock* clock, JitterSource jitter)
    : options_(std::move(options)),
      clock_(clock),
      jitter_(jitter ? std::move(jitter) : SeededJitter(std::random_device()())) {}

absl::Duration RetryPolicy::Backoff(int retry_index) {
  double ceiling_s = absl::ToDoubleSeconds(options_.initial_backoff) *
                     std::pow(options_.multiplier, std::min(retry_index, 62));
  ceiling_s = std::min(ceiling_s, absl::ToDoubleSeconds(options_.max_backoff));
  double fraction;
  {
    absl::MutexLock lock(&mu_);
    fraction = jitter_();
  }
  return absl::Milliseconds(std::floor(ceiling_s * fraction * 1000.0));
}

absl::Status RetryPolicy::Run(std::string_view what, const std::function<absl::Status()>& attempt) {
  const absl::Time deadline = clock_->Now() + options_.deadline;
  for (int attempts = 1;; ++attempts) {
    absl::Status status = attempt();
    if (status.ok()) return status;
    if (Classify(status) != ErrorClass::kRetryable) return status;
    absl::Duration wait = Backoff(attempts - 1);
    bool out_of_attempts = options_.max_attempts > 0 && attempts >= options_.max_attempts;
    if (out_of_attempts || clock_->Now() + wait > deadline) {
      return WithContext(status,
                         http_client_internal::Cat(what, ": gave up after ", attempts,
                                                   attempts == 1 ? " attempt" : " attempts"));
    }
    clock_->SleepFor(wait);
  }
}

}  // namespace opentrack::bigquery
