// `opentrack serve`: the collector. Wires the Tracking API, the spool, the
// loader and BigQuery (or the embedded emulator) together.
#ifndef OPENTRACK_CLI_SERVE_COMMAND_H_
#define OPENTRACK_CLI_SERVE_COMMAND_H_

#include <string>

#include "absl/status/status.h"
#include "cli/config.h"

namespace opentrack::cli {

struct ServeFlags {
  std::string port_file;           // written once the API listens (tests use port 0)
  std::string emulator_port_file;  // the embedded emulator's port, when one runs
};

// Runs until SIGINT/SIGTERM, then shuts down gracefully: stops accepting,
// finishes in-flight requests, flushes the loader, closes the spool.
absl::Status RunServe(const Config& config, const ServeFlags& flags);

}  // namespace opentrack::cli

#endif  // OPENTRACK_CLI_SERVE_COMMAND_H_
