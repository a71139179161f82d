// Picks the BigQuery the commands talk to: the embedded emulator (no Google
// settings), an external emulator (BIGQUERY_EMULATOR_HOST), or real BigQuery
// with Google credentials. Shared by serve, query and views.
#ifndef OPENTRACK_CLI_BIGQUERY_TARGET_H_
#define OPENTRACK_CLI_BIGQUERY_TARGET_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bigquery/bigquery_client.h"
#include "cli/config.h"
#include "emulator/emulator.h"

namespace opentrack::cli {

// The project id the embedded emulator serves.
inline constexpr char kLocalProjectId[] = "opentrack-local";

struct BigQueryTarget {
  std::unique_ptr<emulator::Emulator> embedded_emulator;  // set when running one
  std::unique_ptr<bigquery::BigQueryClient> client;
  std::string project_id;
  std::string description;  // for the startup log line
};

// Starts the embedded emulator when the configuration asks for it.
absl::StatusOr<BigQueryTarget> OpenBigQueryTarget(const Config& config);

}  // namespace opentrack::cli

#endif  // OPENTRACK_CLI_BIGQUERY_TARGET_H_
