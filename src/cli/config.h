// The service's configuration: environment variables and flags resolved into
// one struct, plus the optional sources file. Pure: the environment comes in
// as a lookup function so tests can pass their own.
#ifndef OPENTRACK_CLI_CONFIG_H_
#define OPENTRACK_CLI_CONFIG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opentrack::cli {

// One Segment source: its write key and the BigQuery dataset its tables live in.
struct SourceConfig {
  std::string name;
  std::string write_key;
  std::string dataset;
};

enum class LoadMode { kStreaming, kLoadJobs };

// How the spool writes new records; files of either kind are always read.
enum class SpoolCompression { kZstd, kNone };

struct Config {
  std::string address = "0.0.0.0";
  uint16_t port = 8080;
  // Threads running the HTTP server (OPENTRACK_IO_THREADS).
  int io_threads = 2;
  std::string data_dir = "./data";  // spool and the embedded emulator's database
  SpoolCompression spool_compression = SpoolCompression::kZstd;
  std::optional<int> spool_zstd_level;  // unset: the spool's default level
  bool spool_direct_io = false;         // OPENTRACK_SPOOL_DIRECT_IO: O_DIRECT log files

  std::string project_id;  // BIGQUERY_PROJECT_ID; empty: run the embedded emulator
  std::string location = "US";
  bool auto_table_management = true;
  LoadMode load_mode = LoadMode::kStreaming;
  absl::Duration batch_max_age = absl::Seconds(1);
  // How long shutdown waits for the loader's final flush; what it cannot
  // deliver in time stays in the spool for the next start.
  absl::Duration shutdown_grace = absl::Seconds(30);

  std::string emulator_host;  // BIGQUERY_EMULATOR_HOST: external emulator, no auth
  std::string credentials_file;
  std::string credentials_json;

  // Sources from WRITE_KEY + BIGQUERY_DATASET, or from the sources file.
  // Empty write key with one source: any key is accepted (local development).
  std::vector<SourceConfig> sources;

  bool UsesEmbeddedEmulator() const { return project_id.empty() && emulator_host.empty(); }
  std::string SpoolDir() const { return data_dir + "/spool"; }
  std::string EmulatorDatabase() const { return data_dir + "/emulator.sqlite"; }
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads the process environment.
EnvLookup ProcessEnv();

// Builds the configuration from the environment. `sources_file_text` is the
// content of OPENTRACK_SOURCES_FILE when set (the caller reads the file).
absl::StatusOr<Config> ConfigFromEnv(const EnvLookup& env,
                                     std::optional<std::string_view> sources_file_text);

// Parses the sources file: {"sources":[{"name":..,"write_key":..,"dataset":..}]}.
absl::StatusOr<std::vector<SourceConfig>> ParseSourcesFile(std::string_view json);

}  // namespace opentrack::cli

#endif  // OPENTRACK_CLI_CONFIG_H_
