// An emulator process plus a collector process, as a user would run them,
// with helpers to send Tracking API requests and to read what reached
// BigQuery through the emulator's REST API (never through our client).
#ifndef OPENTRACK_TESTS_E2E_CLUSTER_H_
#define OPENTRACK_TESTS_E2E_CLUSTER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "http_client/curl_http_client.h"
#include "tests/e2e/test_process.h"

namespace opentrack::e2e {

inline constexpr char kProject[] = "e2e-project";
inline constexpr char kDataset[] = "e2e";
inline constexpr char kWriteKey[] = "e2e-write-key";

struct QueryRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class Cluster {
 public:
  Cluster();
  ~Cluster();

  // Starts `opentrack emulator` on port 0 (or `port` when restarting it) with
  // a database file in the cluster's directory.
  absl::Status StartEmulator(const std::vector<std::string>& extra_flags = {}, int port = 0);
  void KillEmulator();
  absl::Status StartCollector(const std::map<std::string, std::string>& extra_env = {});
  void KillCollector(int signal);
  // Waits for the collector to exit after a signal; its exit status.
  int WaitCollector(absl::Duration timeout);

  int emulator_port() const { return emulator_port_; }
  int collector_port() const { return collector_port_; }
  const std::string& dir() const { return dir_; }

  // POSTs to the collector with the write key as HTTP Basic auth.
  absl::StatusOr<http_client::HttpResponse> Post(const std::string& path, const std::string& body,
                                                 http_client::Headers headers = {});
  // POSTs without adding credentials (analytics.js style: writeKey in the body).
  absl::StatusOr<http_client::HttpResponse> PostRaw(const std::string& path,
                                                    const std::string& body,
                                                    http_client::Headers headers = {});
  absl::StatusOr<http_client::HttpResponse> Get(const std::string& path);

  // Runs GoogleSQL on the emulator; cells as the REST API returns them.
  absl::StatusOr<QueryRows> Query(const std::string& sql);
  // (name, type) of each column of e2e.<table>; NotFound when missing.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Columns(
      const std::string& table);
  // Polls `sql` (a single COUNT) until it returns `expected` or `timeout` passes.
  absl::StatusOr<int64_t> WaitForCount(const std::string& sql, int64_t expected,
                                       absl::Duration timeout);

  std::string CollectorLog() const;

 private:
  absl::StatusOr<http_client::HttpResponse> Emulator(const std::string& method,
                                                     const std::string& path,
                                                     const std::string& body);
  std::string dir_;
  std::optional<TestProcess> emulator_;
  std::optional<TestProcess> collector_;
  int emulator_port_ = 0;
  int collector_port_ = 0;
  int collector_starts_ = 0;
  http_client::CurlHttpClient http_;
};

// The 1,000 sample events, one JSON text each.
std::vector<std::string> SampleEvents();

// Builds a /v1/batch body from events[begin, end).
std::string BatchBody(const std::vector<std::string>& events, size_t begin, size_t end);

}  // namespace opentrack::e2e

#endif  // OPENTRACK_TESTS_E2E_CLUSTER_H_
