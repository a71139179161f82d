// HTTP load generator for the Tracking API: N keep-alive connections driven
// by non-blocking epoll loops (one thread by default), each with up to
// --pipeline requests in flight, cycling through requests built once from the
// sample events. Prints requests/s, events/s, latency percentiles and errors;
// with --server-pid also the server's CPU use, so a figure can be given per
// CPU-second of the server. Loopback only.
#include <arpa/inet.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/escaping.h"
#include "worker.h"

namespace opentrack::loadgen {
namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string path = "/v1/batch";
  int events_per_request = 100;
  int connections = 32;
  double seconds = 10;
  std::string write_key = "loadgen";
  std::string events_file = "../shared/data/events-sample.ndjson";
  int threads = 1;
  int pipeline = 1;
  int server_pid = 0;  // 0: do not measure the server's CPU
};

bool IsBatchPath(const std::string& path) {
  return path == "/v1/batch" || path == "/v1/b" || path == "/v1/import";
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// A single-event endpoint only takes its own type: /v1/track gets the track events.
void KeepEventsForPath(const std::string& path, std::vector<std::string>* events) {
  static const std::pair<const char*, const char*> kSingle[] = {
      {"/v1/track", "track"}, {"/v1/t", "track"},   {"/v1/identify", "identify"},
      {"/v1/i", "identify"},  {"/v1/page", "page"}, {"/v1/p", "page"},
      {"/v1/group", "group"}, {"/v1/g", "group"}};
  for (const auto& [single_path, type] : kSingle) {
    if (path != single_path) continue;
    const std::string needle = std::string("\"type\":\"") + type + "\"";
    std::erase_if(*events,
                  [&](const std::string& e) { return e.find(needle) == std::string::npos; });
  }
}

// Pre-built HTTP requests, so the generator spends its time on I/O.
std::vector<std::string> BuildRequests(const Options& o, const std::vector<std::string>& events) {
  std::vector<std::string> out;
  const bool batch = IsBatchPath(o.path);
  const size_t per = batch ? o.events_per_request : 1;
  for (size_t start = 0; start < events.size(); start += per) {
    std::string body;
    if (batch) {
      body = "{\"batch\":[";
      for (size_t i = start; i < std::min(events.size(), start + per); ++i) {
        if (i > start) body.push_back(',');
        body += events[i];
      }
      body += "]}";
    } else {
      body = events[start];
    }
    out.push_back("POST " + o.path + " HTTP/1.1\r\nHost: " + o.host +
                  "\r\nContent-Type: application/json\r\nAuthorization: Basic " +
                  absl::Base64Escape(o.write_key + ":") +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  return out;
}

// utime + stime of every thread of `pid`, in seconds, from /proc/<pid>/stat.
std::optional<double> ProcessCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  const size_t paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return std::nullopt;
  // After ")": state is field 3, then 10 more before utime (14) and stime (15).
  std::istringstream fields(stat.substr(paren + 1));
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  uint64_t utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return std::nullopt;
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Spreads connections over threads round robin; connection i starts at request i * 7.
std::vector<WorkerOptions> PlanWorkers(const Options& o, const sockaddr_in& address,
                                       Clock::time_point deadline) {
  std::vector<WorkerOptions> plans(o.threads);
  for (WorkerOptions& plan : plans) {
    plan.address = address;
    plan.pipeline = o.pipeline;
    plan.deadline = deadline;
  }
  for (int i = 0; i < o.connections; ++i) {
    plans[i % o.threads].first_requests.push_back(static_cast<size_t>(i) * 7);
  }
  return plans;
}

WorkerStats RunWorkers(std::vector<WorkerOptions> plans, const std::vector<std::string>& requests) {
  std::vector<std::unique_ptr<Worker>> workers;
  for (WorkerOptions& plan : plans) {
    workers.push_back(std::make_unique<Worker>(std::move(plan), requests));
  }
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers.size(); ++i) threads.emplace_back([&, i] { workers[i]->Run(); });
  workers[0]->Run();
  for (std::thread& t : threads) t.join();
  WorkerStats total;
  for (const auto& worker : workers) total.Merge(worker->stats());
  return total;
}

struct CpuSample {
  Clock::time_point at;
  double self_seconds;
  std::optional<double> server_seconds;
};

CpuSample SampleCpu(const Options& o) {
  return {Clock::now(), SelfCpuSeconds(),
          o.server_pid > 0 ? ProcessCpuSeconds(o.server_pid) : std::nullopt};
}

void Report(const Options& o, WorkerStats& stats, double elapsed, const CpuSample& before,
            const CpuSample& after) {
  std::vector<int64_t>& lat = stats.latencies_ns;
  std::sort(lat.begin(), lat.end());
  auto pct_ms = [&](double p) {
    return lat.empty() ? 0.0 : lat[static_cast<size_t>(p * (lat.size() - 1))] / 1e6;
  };
  const uint64_t errors = stats.non_ok() + stats.connect_errors + stats.connection_errors;
  const double events_per_request = IsBatchPath(o.path) ? o.events_per_request : 1;
  std::printf(
      "path=%s connections=%d seconds=%.1f requests=%llu errors=%llu\n"
      "requests/s=%.0f events/s=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
      o.path.c_str(), o.connections, elapsed, static_cast<unsigned long long>(stats.ok),
      static_cast<unsigned long long>(errors), stats.ok / elapsed,
      stats.ok * events_per_request / elapsed, pct_ms(0.50), pct_ms(0.90), pct_ms(0.99),
      lat.empty() ? 0.0 : lat.back() / 1e6);
  // CPU in cores: CPU-seconds used per second of the run.
  const double window = std::chrono::duration<double>(after.at - before.at).count();
  std::printf("loadgen_cpu=%.2f", (after.self_seconds - before.self_seconds) / window);
  if (before.server_seconds && after.server_seconds) {
    const double server = *after.server_seconds - *before.server_seconds;
    std::printf(" server_cpu=%.2f requests/server_cpu_s=%.0f events/server_cpu_s=%.0f",
                server / window, server > 0 ? stats.ok / server : 0.0,
                server > 0 ? stats.ok * events_per_request / server : 0.0);
  } else if (o.server_pid > 0) {
    std::printf(" server_cpu=unreadable");
  }
  std::printf("\n");
  if (errors == 0) return;
  std::printf("errors:");
  for (size_t status = 0; status < stats.by_status.size(); ++status) {
    if (stats.by_status[status] > 0) {
      std::printf(" status_%zu=%llu", status,
                  static_cast<unsigned long long>(stats.by_status[status]));
    }
  }
  std::printf(" connect=%llu connection=%llu unanswered_requests=%llu\n",
              static_cast<unsigned long long>(stats.connect_errors),
              static_cast<unsigned long long>(stats.connection_errors),
              static_cast<unsigned long long>(stats.unanswered));
}

int Main(int argc, char** argv) {
  Options o;
  CLI::App app{"opentrack load generator"};
  app.add_option("--host", o.host, "IPv4 address of the server");
  app.add_option("--port", o.port)->required();
  app.add_option("--path", o.path);
  app.add_option("--events-per-request", o.events_per_request)->check(CLI::Range(1, 100000));
  app.add_option("--connections", o.connections)->check(CLI::Range(1, 100000));
  app.add_option("--seconds", o.seconds)->check(CLI::PositiveNumber);
  app.add_option("--write-key", o.write_key);
  app.add_option("--events", o.events_file);
  app.add_option("--threads", o.threads, "event-loop threads (default 1)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--pipeline", o.pipeline, "requests in flight per connection (default 1)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--server-pid", o.server_pid, "report this process's CPU use during the run");
  CLI11_PARSE(app, argc, argv);
  o.threads = std::min(o.threads, o.connections);

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &address.sin_addr) != 1) {
    std::fprintf(stderr, "--host must be an IPv4 address, got %s\n", o.host.c_str());
    return 1;
  }
  std::vector<std::string> events = ReadLines(o.events_file);
  KeepEventsForPath(o.path, &events);
  if (events.empty()) {
    std::fprintf(stderr, "no events in %s\n", o.events_file.c_str());
    return 1;
  }
  const std::vector<std::string> requests = BuildRequests(o, events);

  const CpuSample before = SampleCpu(o);
  const Clock::time_point deadline = before.at + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(o.seconds));
  WorkerStats stats = RunWorkers(PlanWorkers(o, address, deadline), requests);
  const CpuSample after = SampleCpu(o);
  // Only responses that ended before the deadline were counted.
  Report(o, stats, o.seconds, before, after);
  const uint64_t errors = stats.non_ok() + stats.connect_errors + stats.connection_errors;
  return errors == 0 ? 0 : 2;
}

}  // namespace
}  // namespace opentrack::loadgen

int main(int argc, char** argv) { return opentrack::loadgen::Main(argc, argv); }
