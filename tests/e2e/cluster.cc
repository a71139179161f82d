#include "tests/e2e/cluster.h"

#include <signal.h>

#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/json_text.h"
#include "simdjson.h"

namespace opentrack::e2e {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

}  // namespace

Cluster::Cluster() : dir_(MakeTempDir("opentrack-e2e-")) {}

Cluster::~Cluster() = default;

absl::Status Cluster::StartEmulator(const std::vector<std::string>& extra_flags, int port) {
  const std::string port_file = dir_ + "/emulator.port";
  std::remove(port_file.c_str());
  std::vector<std::string> argv = {
      OpentrackBinary(), "emulator", "--port", std::to_string(port),
      "--port-file",     port_file,  "--db",   dir_ + "/emulator.sqlite"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  auto p = TestProcess::Start(argv, {}, dir_ + "/emulator.log");
  if (!p.ok()) return p.status();
  emulator_.emplace(*std::move(p));
  auto bound = WaitForPortFile(port_file, absl::Seconds(30));
  if (!bound.ok()) return bound.status();
  emulator_port_ = *bound;
  return absl::OkStatus();
}

void Cluster::KillEmulator() {
  if (emulator_) {
    emulator_->Signal(SIGKILL);
    emulator_->Wait(absl::Seconds(10));
    emulator_.reset();
  }
}

absl::Status Cluster::StartCollector(const std::map<std::string, std::string>& extra_env) {
  const std::string port_file = dir_ + "/collector.port";
  std::remove(port_file.c_str());
  std::map<std::string, std::string> env = {
      {"BIGQUERY_PROJECT_ID", kProject},
      {"BIGQUERY_DATASET", kDataset},
      {"BIGQUERY_EMULATOR_HOST", absl::StrCat("127.0.0.1:", emulator_port_)},
      {"WRITE_KEY", kWriteKey},
      {"OPENTRACK_DATA_DIR", dir_ + "/collector"},
      {"OPENTRACK_BATCH_MAX_AGE_MS", "200"},
  };
  for (const auto& [k, v] : extra_env) env[k] = v;
  auto p = TestProcess::Start({OpentrackBinary(), "serve", "--port", "0", "--port-file", port_file},
                              env, dir_ + "/collector.log");
  if (!p.ok()) return p.status();
  collector_.emplace(*std::move(p));
  ++collector_starts_;
  auto bound = WaitForPortFile(port_file, absl::Seconds(30));
  if (!bound.ok()) return bound.status();
  collector_port_ = *bound;
  return absl::OkStatus();
}

void Cluster::KillCollector(int signal) {
  if (collector_) collector_->Signal(signal);
}

int Cluster::WaitCollector(absl::Duration timeout) {
  if (!collector_) return -1;
  const int status = collector_->Wait(timeout);
  collector_.reset();
  return status;
}

absl::StatusOr<http_client::HttpResponse> Cluster::Post(const std::string& path,
                                                        const std::string& body,
                                                        http_client::Headers headers) {
  headers.emplace_back("Authorization",
                       "Basic " + absl::Base64Escape(std::string(kWriteKey) + ":"));
  return PostRaw(path, body, std::move(headers));
}

absl::StatusOr<http_client::HttpResponse> Cluster::PostRaw(const std::string& path,
                                                           const std::string& body,
                                                           http_client::Headers headers) {
  http_client::HttpRequest req;
  req.method = "POST";
  req.url = absl::StrCat("http://127.0.0.1:", collector_port_, path);
  req.headers = std::move(headers);
  req.body = body;
  req.timeout = absl::Seconds(30);
  return http_.Send(req);
}

absl::StatusOr<http_client::HttpResponse> Cluster::Get(const std::string& path) {
  http_client::HttpRequest req;
  req.url = absl::StrCat("http://127.0.0.1:", collector_port_, path);
  req.timeout = absl::Seconds(30);
  return http_.Send(req);
}

absl::StatusOr<http_client::HttpResponse> Cluster::Emulator(const std::string& method,
                                                            const std::string& path,
                                                            const std::string& body) {
  http_client::HttpRequest req;
  req.method = method;
  req.url = absl::StrCat("http://127.0.0.1:", emulator_port_, "/bigquery/v2", path);
  req.body = body;
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  req.timeout = absl::Seconds(60);
  // Retry server errors: some tests run the emulator with injected 503s, and
  // the test's own reads must not be what fails.
  auto resp = http_.Send(req);
  for (int attempt = 0; attempt < 20 && resp.ok() && resp->status >= 500; ++attempt) {
    resp = http_.Send(req);
  }
  return resp;
}

absl::StatusOr<QueryRows> Cluster::Query(const std::string& sql) {
  auto resp = Emulator(
      "POST", absl::StrCat("/projects/", kProject, "/queries"),
      absl::StrCat("{\"query\":", Quoted(sql), ",\"useLegacySql\":false,\"timeoutMs\":60000}"));
  if (!resp.ok()) return resp.status();
  if (resp->status != 200) {
    return absl::InternalError(absl::StrCat("query failed ", resp->status, ": ", resp->body));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(resp->body).get(root)) return absl::InternalError("bad query JSON");
  QueryRows out;
  simdjson::dom::array fields;
  if (!root["schema"]["fields"].get_array().get(fields)) {
    for (auto f : fields) out.columns.emplace_back(std::string_view(f["name"].get_string()));
  }
  simdjson::dom::array rows;
  if (!root["rows"].get_array().get(rows)) {
    for (auto r : rows) {
      std::vector<std::optional<std::string>> cells;
      for (auto cell : r["f"].get_array()) {
        std::string_view v;
        if (cell["v"].get_string().get(v)) {
          cells.push_back(std::nullopt);
        } else {
          cells.emplace_back(std::string(v));
        }
      }
      out.rows.push_back(std::move(cells));
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Cluster::Columns(
    const std::string& table) {
  auto resp = Emulator(
      "GET", absl::StrCat("/projects/", kProject, "/datasets/", kDataset, "/tables/", table), "");
  if (!resp.ok()) return resp.status();
  if (resp->status == 404) return absl::NotFoundError(table);
  if (resp->status != 200) return absl::InternalError(resp->body);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(resp->body).get(root)) return absl::InternalError("bad table JSON");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto f : root["schema"]["fields"].get_array()) {
    out.emplace_back(std::string(std::string_view(f["name"].get_string())),
                     std::string(std::string_view(f["type"].get_string())));
  }
  return out;
}

absl::StatusOr<int64_t> Cluster::WaitForCount(const std::string& sql, int64_t expected,
                                              absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  int64_t last = -1;
  while (absl::Now() < deadline) {
    auto rows = Query(sql);
    if (rows.ok() && !rows->rows.empty() && rows->rows[0][0]) {
      absl::SimpleAtoi(*rows->rows[0][0], &last);
      if (last == expected) return last;
    }
    absl::SleepFor(absl::Milliseconds(250));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("count stayed at ", last, ", expected ", expected, ": ", sql));
}

std::string Cluster::CollectorLog() const { return ReadFileOrEmpty(dir_ + "/collector.log"); }

std::vector<std::string> SampleEvents() {
  std::ifstream in(OPENTRACK_SAMPLE_EVENTS);
  std::vector<std::string> events;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) events.push_back(line);
  }
  return events;
}

std::string BatchBody(const std::vector<std::string>& events, size_t begin, size_t end) {
  std::string body = "{\"batch\":[";
  for (size_t i = begin; i < end && i < events.size(); ++i) {
    if (i > begin) body.push_back(',');
    body += events[i];
  }
  return body + "]}";
}

}  // namespace opentrack::e2e
