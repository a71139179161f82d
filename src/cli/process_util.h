// Small process-level helpers for the commands: the port file tests read,
// and waiting for a shutdown signal.
#ifndef OPENTRACK_CLI_PROCESS_UTIL_H_
#define OPENTRACK_CLI_PROCESS_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace opentrack::cli {

// Writes `port` to `path` atomically (temp file + rename), so a reader never
// sees a partial number. No-op for an empty path.
absl::Status WritePortFile(const std::string& path, uint16_t port);

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts
// afterwards; call first thing in main.
void BlockShutdownSignals();

// Waits until SIGINT or SIGTERM arrives; returns its number.
int WaitForShutdownSignal();

// Reads a whole file.
absl::Status ReadFile(const std::string& path, std::string* contents);

}  // namespace opentrack::cli

#endif  // OPENTRACK_CLI_PROCESS_UTIL_H_
