// Test-only launcher: starts the emulator on a free port and runs a command
// with BIGQUERY_EMULATOR_ENDPOINT set to it, returning the command's exit
// code. Used by CTest to run the Node.js real-client test.
//
//   emulator_test_server [--require PATH] [emulator flags] -- command args...
//
// Exits 77 (CTest's skip code) when --require PATH does not exist.
#include <sys/stat.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "emulator/emulator.h"

int main(int argc, char** argv) {
  std::vector<std::string> flags, command;
  bool after = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!after && arg == "--") {
      after = true;
    } else {
      (after ? command : flags).push_back(std::move(arg));
    }
  }
  opentrack::emulator::EmulatorOptions options;
  CLI::App app("BigQuery emulator test launcher");
  std::string require;
  app.add_option("--require", require, "skip (exit 77) unless this path exists");
  opentrack::emulator::AddEmulatorFlags(app, &options);
  std::vector<std::string> reversed(flags.rbegin(), flags.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  struct stat st;
  if (!require.empty() && stat(require.c_str(), &st) != 0) {
    std::printf(
        "SKIP: %s is missing; run `cd tests/clients && npm install` (scripts/install-deps.sh "
        "does)\n",
        require.c_str());
    return 77;
  }
  auto emulator = opentrack::emulator::Emulator::Start(options);
  if (!emulator.ok()) {
    std::fprintf(stderr, "cannot start emulator: %s\n", emulator.status().ToString().c_str());
    return 1;
  }
  const std::string endpoint = (*emulator)->endpoint();
  std::printf("emulator listening on %s\n", endpoint.c_str());
  std::fflush(stdout);
  if (command.empty()) {
    // No command: serve until stdin closes.
    while (std::getchar() != EOF) {
    }
    return 0;
  }
  setenv("BIGQUERY_EMULATOR_ENDPOINT", endpoint.c_str(), 1);
  std::string line;
  for (const std::string& part : command) {
    if (!line.empty()) line += ' ';
    line += "'" + part + "'";
  }
  const int rc = std::system(line.c_str());
  (*emulator)->Shutdown();
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
}
