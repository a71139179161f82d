#include "table_manager/metadata_rate_limiter.h"

#include <algorithm>

namespace opentrack::table_manager {

MetadataRateLimiter::MetadataRateLimiter(Clock* clock, int updates, absl::Duration window)
    : clock_(clock), updates_(std::max(1, updates)), window_(window) {}

absl::Duration MetadataRateLimiter::Acquire(const std::string& key) {
  absl::Duration waited = absl::ZeroDuration();
  while (true) {
    absl::Duration wait;
    {
      absl::MutexLock lock(&mu_);
      absl::Time now = clock_->Now();
      std::deque<absl::Time>& taken = taken_[key];
      while (!taken.empty() && taken.front() + window_ <= now) taken.pop_front();
      if (static_cast<int>(taken.size()) < updates_) {
        taken.push_back(now);
        return waited;
      }
      wait = taken.front() + window_ - now;
    }
    // Sleep outside the lock so other tables are not held up.
    clock_->SleepFor(wait);
    waited += wait;
  }
}

}  // namespace opentrack::table_manager
