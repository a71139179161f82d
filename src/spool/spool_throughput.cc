// Measures group-commit throughput of the spool on a real disk: N appender
// threads each append one record at a time and wait for it to be durable.
//
//   spool_throughput --dir /var/tmp/spool-bench --threads 64 --seconds 10 --record_bytes 2048
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "spool/spool.h"

int main(int argc, char** argv) {
  CLI::App app{"spool append throughput"};
  std::string dir = "/var/tmp/opentrack-spool-bench";
  int threads = 64;
  double seconds = 10;
  size_t record_bytes = 2048;
  bool sync = true;
  int batch = 1;
  app.add_option("--dir", dir, "spool directory (deleted before and after)");
  app.add_option("--threads", threads, "concurrent appenders");
  app.add_option("--seconds", seconds, "run time");
  app.add_option("--record_bytes", record_bytes, "payload size");
  app.add_option("--batch", batch, "records per Append (a Segment batch request)");
  app.add_option("--sync", sync, "fsync before acknowledging (default true)");
  CLI11_PARSE(app, argc, argv);

  std::filesystem::remove_all(dir);
  opentrack::spool::SpoolOptions options;
  options.directory = dir;
  options.sync = sync;
  options.max_total_bytes = ~0ull;
  auto spool = opentrack::spool::Spool::Open(options);
  if (!spool.ok()) {
    std::fprintf(stderr, "open: %s\n", spool.status().ToString().c_str());
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<bool> failed{false};
  const std::vector<std::string> records(batch, std::string(record_bytes, 'x'));
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      while (Clock::now() < deadline && !failed) {
        auto begin = Clock::now();
        if (!(*spool)->AppendAndWait(records).ok()) failed = true;
        latencies[t].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - begin).count());
      }
    });
  }
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  auto stats = (*spool)->Stats();
  (*spool)->Close();
  std::filesystem::remove_all(dir);
  if (failed) {
    std::fprintf(stderr, "an append failed\n");
    return 1;
  }
  std::vector<double> all;  // per Append
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0 : all[static_cast<size_t>(p * (all.size() - 1))];
  };
  const double n = static_cast<double>(all.size()) * batch;
  std::printf("threads=%d batch=%d record_bytes=%zu sync=%d seconds=%.1f\n", threads, batch,
              record_bytes, sync, elapsed);
  std::printf("records/s=%.0f MB/s=%.1f fsyncs/s=%.0f records/fsync=%.1f\n", n / elapsed,
              n * record_bytes / elapsed / 1e6, stats.fsyncs / elapsed,
              stats.fsyncs ? n / stats.fsyncs : 0.0);
  std::printf("append latency us: p50=%.0f p99=%.0f max=%.0f\n", pct(0.5), pct(0.99),
              all.empty() ? 0 : all.back());
  return 0;
}
