// Measures group-commit throughput of the spool on a real disk: N appender
// threads each append one record (or --batch records) at a time and wait for
// it to be durable. Random-looking bytes do not compress, so for compression
// use --payload_file with real events (one per line, cycled).
//
//   spool_throughput --dir /var/tmp/spool-bench --threads 64 --seconds 10 --record_bytes 2048
//   spool_throughput --payload_file events-sample.ndjson --compression zstd --level 1
//   spool_throughput --payload_file events-sample.ndjson --compression none --direct_io true
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"
#include "spool/spool.h"

namespace {

// Spool records look like "<source>\n<event JSON>" (docs/architecture.md).
std::vector<std::string> LoadPayloads(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back("default\n" + line);
  }
  return out;
}

double ThreadCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spool append throughput"};
  std::string dir = "/var/tmp/opentrack-spool-bench";
  int threads = 64;
  double seconds = 10;
  size_t record_bytes = 2048;
  bool sync = true;
  int batch = 1;
  std::string payload_file;
  opentrack::spool::Compression compression = opentrack::spool::Compression::kZstd;
  int level = opentrack::spool::kDefaultZstdLevel;
  uint64_t block_bytes = opentrack::spool::SpoolOptions{}.block_target_bytes;
  bool direct_io = false;
  app.add_option("--dir", dir, "spool directory (deleted before and after)");
  app.add_option("--threads", threads, "concurrent appenders");
  app.add_option("--seconds", seconds, "run time");
  app.add_option("--record_bytes", record_bytes, "payload size of the filler records");
  app.add_option("--payload_file", payload_file,
                 "append these lines (cycled, as \"default\\n<line>\") instead of filler");
  app.add_option("--batch", batch, "records per Append (a Segment batch request)");
  app.add_option("--sync", sync, "fsync before acknowledging (default true)");
  app.add_option("--compression", compression, "zstd or none")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, opentrack::spool::Compression>{
              {"zstd", opentrack::spool::Compression::kZstd},
              {"none", opentrack::spool::Compression::kNone}},
          CLI::ignore_case));
  app.add_option("--level", level, "zstd level (negative: faster)");
  app.add_option("--block_bytes", block_bytes, "target content of a block");
  app.add_option("--direct_io", direct_io, "write and read log files with O_DIRECT");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> payloads;
  if (!payload_file.empty()) {
    payloads = LoadPayloads(payload_file);
    if (payloads.empty()) {
      std::fprintf(stderr, "no lines in %s\n", payload_file.c_str());
      return 1;
    }
  } else {
    payloads.push_back(std::string(record_bytes, 'x'));
  }

  std::filesystem::remove_all(dir);
  opentrack::spool::SpoolOptions options;
  options.directory = dir;
  options.sync = sync;
  options.max_total_bytes = ~0ull;
  options.compression = compression;
  options.zstd_level = level;
  options.block_target_bytes = block_bytes;
  options.direct_io = direct_io;
  auto spool = opentrack::spool::Spool::Open(options);
  if (!spool.ok()) {
    std::fprintf(stderr, "open: %s\n", spool.status().ToString().c_str());
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::vector<double>> latencies(threads);
  std::vector<uint64_t> input_bytes(threads, 0);
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      size_t next = static_cast<size_t>(t) * 7919;  // threads start at different lines
      std::vector<std::string> records(batch);
      while (Clock::now() < deadline && !failed) {
        for (std::string& r : records) {
          r = payloads[next++ % payloads.size()];
          input_bytes[t] += r.size();
        }
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
  // Then read it all back as the loader does, just after it was written (buffered:
  // from the page cache; direct: from the device). Its CPU is what the loader pays.
  const double read_cpu_start = ThreadCpuSeconds();
  const auto read_start = Clock::now();
  uint64_t read_records = 0, read_bytes = 0;
  for (;;) {
    auto got = (*spool)->Read(1000, 4 << 20, absl::ZeroDuration());
    if (!got.ok()) {
      std::fprintf(stderr, "read: %s\n", got.status().ToString().c_str());
      failed = true;
    }
    if (!got.ok() || got->empty()) break;
    read_records += got->size();
    for (const auto& r : *got) read_bytes += r.data.size();
  }
  const double read_elapsed = std::chrono::duration<double>(Clock::now() - read_start).count();
  const double read_cpu = ThreadCpuSeconds() - read_cpu_start;
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
  double input = 0;
  for (uint64_t b : input_bytes) input += static_cast<double>(b);
  const double n = static_cast<double>(all.size()) * batch;
  const double disk = static_cast<double>(stats.bytes_on_disk);
  std::printf(
      "threads=%d batch=%d payloads=%s sync=%d compression=%s level=%d direct_io=%d "
      "seconds=%.1f\n",
      threads, batch, payload_file.empty() ? "filler" : payload_file.c_str(), sync,
      compression == opentrack::spool::Compression::kZstd ? "zstd" : "none", level, direct_io,
      elapsed);
  std::printf("records/s=%.0f input MB/s=%.1f disk MB/s=%.1f disk bytes/record=%.0f\n", n / elapsed,
              input / elapsed / 1e6, disk / elapsed / 1e6, n ? disk / n : 0.0);
  std::printf("fsyncs/s=%.0f records/fsync=%.1f\n", stats.fsyncs / elapsed,
              stats.fsyncs ? n / stats.fsyncs : 0.0);
  std::printf("append latency us: p50=%.0f p99=%.0f max=%.0f\n", pct(0.5), pct(0.99),
              all.empty() ? 0 : all.back());
  std::printf("read back: records=%llu MB/s=%.0f cpu us/record=%.3f cpu s/GB=%.2f\n",
              static_cast<unsigned long long>(read_records), read_bytes / read_elapsed / 1e6,
              read_records ? read_cpu * 1e6 / read_records : 0.0,
              read_bytes ? read_cpu / (read_bytes / 1e9) : 0.0);
  return 0;
}
