// Sliding-window counters for BigQuery's metadata and load-job quotas,
// driven by the injected clock. Not thread-safe: the service serialises.
#ifndef OPENTRACK_EMULATOR_QUOTA_H_
#define OPENTRACK_EMULATOR_QUOTA_H_

#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace opentrack::emulator {

class WindowCounter {
 public:
  // Counts an operation on `key` at `now` and returns true when it is within
  // `limit` operations per `window`. With `count_rejected`, a refused
  // operation still counts (load jobs: failures included).
  bool Allow(const std::string& key, absl::Time now, int limit, absl::Duration window,
             bool count_rejected = false);

 private:
  absl::flat_hash_map<std::string, std::deque<absl::Time>> events_;
};

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_QUOTA_H_
