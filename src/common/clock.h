// Time sources. Everything that needs "now" or needs to wait takes a Clock so
// tests can drive time by hand instead of sleeping.
#ifndef OPENTRACK_COMMON_CLOCK_H_
#define OPENTRACK_COMMON_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace opentrack {

// Thread-safe source of the current time plus a way to wait.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
  // Blocks the calling thread for `d` of this clock's time.
  virtual void SleepFor(absl::Duration d) = 0;
};

// Wall clock; SleepFor really sleeps.
class RealClock final : public Clock {
 public:
  absl::Time Now() override;
  void SleepFor(absl::Duration d) override;
  // Process-wide instance; never destroyed.
  static RealClock* Get();
};

// Manually advanced clock. SleepFor advances time instead of blocking, so code
// under test that backs off completes instantly and deterministically.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000));
  absl::Time Now() override;
  void SleepFor(absl::Duration d) override;
  void Advance(absl::Duration d);
  void Set(absl::Time t);
  // Sum of every SleepFor duration, for asserting on backoff.
  absl::Duration TotalSlept();

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  absl::Duration slept_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
};

}  // namespace opentrack

#endif  // OPENTRACK_COMMON_CLOCK_H_
