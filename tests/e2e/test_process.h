// Starts the real `opentrack` binary as a child process for end-to-end tests
// and reads back the port it bound (every server here listens on port 0).
#ifndef OPENTRACK_TESTS_E2E_TEST_PROCESS_H_
#define OPENTRACK_TESTS_E2E_TEST_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opentrack::e2e {

// A child process; killed with SIGKILL on destruction if still running.
class TestProcess {
 public:
  // Runs `argv` with the current environment plus `env`; stdout and stderr go
  // to `log_path`.
  static absl::StatusOr<TestProcess> Start(const std::vector<std::string>& argv,
                                           const std::map<std::string, std::string>& env,
                                           const std::string& log_path);
  TestProcess(TestProcess&& other) noexcept;
  TestProcess& operator=(TestProcess&& other) noexcept;
  ~TestProcess();

  pid_t pid() const { return pid_; }
  void Signal(int signal);
  // Waits for exit; returns the exit status as from waitpid, or -1 on timeout.
  int Wait(absl::Duration timeout);

 private:
  explicit TestProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// Polls `path` until it holds a port number (written by --port-file).
absl::StatusOr<int> WaitForPortFile(const std::string& path, absl::Duration timeout);

// A fresh directory under TEST_TMPDIR or /tmp.
std::string MakeTempDir(const std::string& prefix);

// Path of the opentrack binary (OPENTRACK_BINARY, set by CMake).
std::string OpentrackBinary();

std::string ReadFileOrEmpty(const std::string& path);

}  // namespace opentrack::e2e

#endif  // OPENTRACK_TESTS_E2E_TEST_PROCESS_H_
