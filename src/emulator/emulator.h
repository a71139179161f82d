// A local BigQuery REST emulator over SQLite: the collector's default
// warehouse when no project is configured, and the oracle its tests run
// against. It is an independent reading of Google's contract
// (docs/emulator-fidelity.md lists what it enforces).
#ifndef OPENTRACK_EMULATOR_EMULATOR_H_
#define OPENTRACK_EMULATOR_EMULATOR_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace CLI {
class App;
}

namespace opentrack::emulator {

struct FaultOptions {     // all off by default
  double error_rate = 0;  // fraction of requests answered with an injected error
  int error_code = 503;
  std::string error_reason = "backendError";
  uint64_t seed = 1;  // for the error-rate PRNG
  absl::Duration latency = absl::ZeroDuration();
  // Every request in [outage_start, outage_end) gets error_code/error_reason.
  absl::Time outage_start = absl::InfiniteFuture();
  absl::Time outage_end = absl::InfiniteFuture();
  // Rule 28: insertAll sees the previous metadata this long after a change.
  absl::Duration new_column_visibility_delay = absl::ZeroDuration();
};

struct QuotaOptions {
  int table_updates_per_window = 5;
  int dataset_updates_per_window = 5;
  absl::Duration update_window = absl::Seconds(10);
  int load_jobs_per_table_per_day = 1500;
};

struct EmulatorOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  std::string database_path = ":memory:";  // a file keeps data across restarts
  bool enforce_quotas = true;
  QuotaOptions quotas;
  bool require_auth = false;  // rule 38
  absl::Duration insert_id_window = absl::Seconds(60);
  FaultOptions faults;
  Clock* clock = nullptr;  // nullptr: RealClock
};

class Service;

class Emulator {
 public:
  static absl::StatusOr<std::unique_ptr<Emulator>> Start(EmulatorOptions options);
  ~Emulator();

  uint16_t port() const;
  std::string endpoint() const;  // "http://127.0.0.1:<port>"
  void Shutdown();
  // Replaces the fault options; thread-safe.
  void SetFaults(const FaultOptions& faults);

 private:
  struct Impl;
  explicit Emulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Registers the `opentrack emulator` flags: --port, --address, --db,
// --error-rate, --error-code, --error-reason, --latency-ms, --no-quotas,
// --require-auth, --column-delay-s.
void AddEmulatorFlags(CLI::App& app, EmulatorOptions* options);

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_EMULATOR_H_
