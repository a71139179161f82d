// `opentrack emulator` command-line flags.
#include <CLI/CLI.hpp>

#include "emulator/emulator.h"

namespace opentrack::emulator {

void AddEmulatorFlags(CLI::App& app, EmulatorOptions* options) {
  app.add_option("--port", options->port, "TCP port (0 picks a free one)");
  app.add_option("--address", options->address, "address to listen on");
  app.add_option("--db", options->database_path, "SQLite file (\":memory:\" keeps nothing)");
  app.add_option("--error-rate", options->faults.error_rate,
                 "fraction of requests answered with an injected error");
  app.add_option("--error-code", options->faults.error_code, "HTTP code of injected errors");
  app.add_option("--error-reason", options->faults.error_reason, "reason of injected errors");
  app.add_option_function<int64_t>(
      "--latency-ms",
      [options](const int64_t& ms) { options->faults.latency = absl::Milliseconds(ms); },
      "added latency per request");
  app.add_flag_function(
      "--no-quotas", [options](int64_t) { options->enforce_quotas = false; },
      "do not enforce metadata and load-job quotas");
  app.add_flag("--require-auth", options->require_auth, "reject requests without a bearer token");
  app.add_option_function<int64_t>(
      "--column-delay-s",
      [options](const int64_t& s) {
        options->faults.new_column_visibility_delay = absl::Seconds(s);
      },
      "seconds insertAll keeps seeing the previous table metadata");
}

}  // namespace opentrack::emulator
