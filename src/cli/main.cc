// opentrack: the single binary. Parses the command line, builds the
// configuration and hands off to one command.
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/time/clock.h"
#include "cli/config.h"
#include "cli/process_util.h"
#include "cli/query_command.h"
#include "cli/serve_command.h"
#include "cli/transform_command.h"
#include "cli/views_command.h"
#include "common/time_format.h"
#include "emulator/emulator.h"
#include "spdlog/spdlog.h"

namespace opentrack::cli {
namespace {

absl::StatusOr<Config> LoadConfig() {
  std::optional<std::string> sources_text;
  if (auto path = ProcessEnv()("OPENTRACK_SOURCES_FILE")) {
    std::string text;
    if (absl::Status st = ReadFile(*path, &text); !st.ok()) return st;
    sources_text = std::move(text);
  }
  return ConfigFromEnv(ProcessEnv(), sources_text);
}

int Fail(const absl::Status& status) {
  std::cerr << "opentrack: " << status.message() << "\n";
  return 1;
}

int RunEmulatorCommand(const emulator::EmulatorOptions& options, const std::string& port_file) {
  auto emu = emulator::Emulator::Start(options);
  if (!emu.ok()) return Fail(emu.status());
  if (absl::Status st = WritePortFile(port_file, (*emu)->port()); !st.ok()) return Fail(st);
  spdlog::info("BigQuery emulator listening on {} (database {})", (*emu)->endpoint(),
               options.database_path);
  WaitForShutdownSignal();
  (*emu)->Shutdown();
  return 0;
}

int Main(int argc, char** argv) {
  BlockShutdownSignals();
  CLI::App app{"opentrack-bq: a Segment-compatible event collector for BigQuery"};
  app.require_subcommand(1);

  ServeFlags serve_flags;
  auto* serve = app.add_subcommand("serve", "run the collector");
  serve->add_option("--port-file", serve_flags.port_file, "write the bound port here");
  serve->add_option("--emulator-port-file", serve_flags.emulator_port_file,
                    "write the embedded emulator's port here");
  std::optional<int> port_flag;
  serve->add_option("--port", port_flag, "listen port (overrides PORT; 0 picks one)");

  emulator::EmulatorOptions emulator_options;
  std::string emulator_port_file;
  auto* emulator_cmd = app.add_subcommand("emulator", "run the BigQuery emulator alone");
  emulator::AddEmulatorFlags(*emulator_cmd, &emulator_options);
  emulator_cmd->add_option("--port-file", emulator_port_file, "write the bound port here");

  std::string input = "-";
  std::string received_at_text;
  bool debug_cells = false, print_schemas = false;
  auto* transform = app.add_subcommand("transform", "print the rows Segment events become");
  transform->add_option("input", input, "NDJSON file of Segment events, - for stdin");
  transform->add_option("--received-at", received_at_text, "receive time (default: now)");
  transform->add_flag("--cells", debug_cells, "print typed cells instead of insertAll rows");
  transform->add_flag("--schemas", print_schemas, "print the resulting table schemas last");

  std::string sql;
  bool json_output = false;
  auto* query = app.add_subcommand("query", "run GoogleSQL against the configured BigQuery");
  query->add_option("sql", sql, "the query")->required();
  query->add_flag("--json", json_output, "one JSON object per row");

  ViewsFlags views_flags;
  auto* views = app.add_subcommand("views", "manage the analytics views");
  views->require_subcommand(1);
  auto* views_apply = views->add_subcommand("apply", "create or replace every view");
  views_apply->add_option("--analytics-dataset", views_flags.analytics_dataset);
  views_apply->add_option("--lookback-days", views_flags.lookback_days);
  views_apply->add_option("--session-timeout-minutes", views_flags.session_timeout_minutes);

  CLI11_PARSE(app, argc, argv);

  if (*emulator_cmd) return RunEmulatorCommand(emulator_options, emulator_port_file);

  if (*transform) {
    TransformOptions options{.received_at = absl::Now(),
                             .insert_all_rows = !debug_cells,
                             .print_schemas = print_schemas};
    if (!received_at_text.empty()) {
      auto t = ParseTimestamp(received_at_text);
      if (!t) return Fail(absl::InvalidArgumentError("--received-at is not an ISO-8601 time"));
      options.received_at = *t;
    }
    options.loaded_at = options.received_at;
    TransformStats stats;
    std::ifstream file;
    if (input != "-") {
      file.open(input);
      if (!file) return Fail(absl::NotFoundError("cannot open " + input));
    }
    absl::Status st =
        RunTransform(input == "-" ? std::cin : file, std::cout, std::cerr, options, &stats);
    if (!st.ok()) return Fail(st);
    return 0;
  }

  auto config = LoadConfig();
  if (!config.ok()) return Fail(config.status());
  if (*serve) {
    if (port_flag) config->port = static_cast<uint16_t>(*port_flag);
    absl::Status st = RunServe(*config, serve_flags);
    return st.ok() ? 0 : Fail(st);
  }
  if (*query) {
    absl::Status st = RunQuery(
        *config, sql, json_output ? QueryOutput::kJsonLines : QueryOutput::kTable, std::cout);
    return st.ok() ? 0 : Fail(st);
  }
  if (*views_apply) {
    absl::Status st = RunViewsApply(*config, views_flags, std::cout);
    return st.ok() ? 0 : Fail(st);
  }
  return 0;
}

}  // namespace
}  // namespace opentrack::cli

int main(int argc, char** argv) { return opentrack::cli::Main(argc, argv); }
