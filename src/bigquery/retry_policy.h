// Which BigQuery errors are retried and how long to wait, written down once
// (spec 4.4 and 10.2-10.3; table in docs/bigquery-client.md).
#ifndef OPENTRACK_BIGQUERY_RETRY_POLICY_H_
#define OPENTRACK_BIGQUERY_RETRY_POLICY_H_

#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace opentrack::bigquery {

enum class ErrorClass {
  kRetryable,      // transient: back off and try again
  kQuotaExceeded,  // long-term quota: surface; the caller pauses >= 10 minutes
  kPermanent,      // retrying cannot help
};

// Classifies by BigQuery's reason first, then by Status code.
ErrorClass Classify(const absl::Status& status);

// Uniform doubles in [0, 1) for full jitter; called under the policy's lock.
using JitterSource = std::function<double()>;
// A JitterSource from a seeded 64-bit Mersenne Twister (deterministic).
JitterSource SeededJitter(uint64_t seed);

struct RetryOptions {
  absl::Duration initial_backoff = absl::Seconds(1);
  double multiplier = 2.0;
  absl::Duration max_backoff = absl::Seconds(32);
  // Overall time budget of one call, attempts and waits included.
  absl::Duration deadline = absl::Minutes(10);
  // 0: limited by the deadline only.
  int max_attempts = 0;
};

// Truncated exponential backoff with full jitter: the wait before retry n
// (n = 0, 1, ...) is uniform in [0, min(max_backoff, initial * multiplier^n)].
// Thread-safe; one instance serves all calls.
class RetryPolicy {
 public:
  // `clock` must outlive the policy; null `jitter`: seeded from random_device.
  RetryPolicy(RetryOptions options, Clock* clock, JitterSource jitter = nullptr);

  // The n-th backoff (0-based), jitter applied.
  absl::Duration Backoff(int retry_index);

  // Calls `attempt` until it succeeds, fails with a non-retryable error, or
  // the deadline/attempt budget runs out; the last error is returned with
  // "gave up after N attempts" context, keeping its code and reason.
  absl::Status Run(std::string_view what, const std::function<absl::Status()>& attempt);

  template <typename T>
  absl::StatusOr<T> Run(std::string_view what, const std::function<absl::StatusOr<T>()>& attempt) {
    absl::StatusOr<T> result = absl::UnknownError("not attempted");
    absl::Status status = Run(what, [&]() -> absl::Status {
      result = attempt();
      return result.status();
    });
    if (!status.ok()) return status;
    return result;
  }

  Clock* clock() const { return clock_; }
  const RetryOptions& options() const { return options_; }

 private:
  const RetryOptions options_;
  Clock* const clock_;
  absl::Mutex mu_;
  JitterSource jitter_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opentrack::bigquery

#endif  // OPENTRACK_BIGQUERY_RETRY_POLICY_H_
