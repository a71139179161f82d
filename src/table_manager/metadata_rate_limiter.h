// Sliding-window pacing of metadata updates per key (a table), so this process
// stays under BigQuery's "5 table metadata updates per 10 s" instead of
// discovering it through rateLimitExceeded.
#ifndef OPENTRACK_TABLE_MANAGER_METADATA_RATE_LIMITER_H_
#define OPENTRACK_TABLE_MANAGER_METADATA_RATE_LIMITER_H_

#include <deque>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace opentrack::table_manager {

// Thread-safe. `clock` is not owned.
class MetadataRateLimiter {
 public:
  MetadataRateLimiter(Clock* clock, int updates, absl::Duration window);

  // Takes one slot for `key`, sleeping on the clock until one is free.
  // Returns how long it waited.
  absl::Duration Acquire(const std::string& key);

 private:
  Clock* const clock_;
  const int updates_;
  const absl::Duration window_;
  absl::Mutex mu_;
  std::map<std::string, std::deque<absl::Time>> taken_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opentrack::table_manager

#endif  // OPENTRACK_TABLE_MANAGER_METADATA_RATE_LIMITER_H_
