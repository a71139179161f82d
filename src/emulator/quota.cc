#include "emulator/quota.h"

namespace opentrack::emulator {

bool WindowCounter::Allow(const std::string& key, absl::Time now, int limit, absl::Duration window,
                          bool count_rejected) {
  std::deque<absl::Time>& events = events_[key];
  while (!events.empty() && events.front() <= now - window) events.pop_front();
  const bool allowed = static_cast<int>(events.size()) < limit;
  if (allowed || count_rejected) events.push_back(now);
  return allowed;
}

}  // namespace opentrack::emulator
