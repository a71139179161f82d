// What making an event durable costs on this machine before any of our code
// runs: the CPU time (user + system) of zstd on the sample events, and of
// appending bytes to a fresh file with an fdatasync per group commit. It
// bounds what /v1/batch can reach per core (docs/performance.md, "The floor").
//   persist_floor [--events FILE] [--level -3] [--commit_kb 200] [--mb 600] [--dir /tmp]
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// CPU seconds to append `total` bytes in `commit` sized writes, each followed
// by fdatasync, to a new file in `dir`.
double AppendCost(const std::string& dir, size_t commit, size_t total) {
  const std::string path = dir + "/persist_floor.tmp";
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) return -1;
  const std::string chunk(commit, 'x');
  const double start = CpuSeconds();
  for (size_t written = 0; written < total; written += commit) {
    if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) break;
    ::fdatasync(fd);
  }
  const double cpu = CpuSeconds() - start;
  ::close(fd);
  ::unlink(path.c_str());
  return cpu;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"CPU cost of compressing and durably appending events"};
  std::string events_path = "../shared/data/events-sample.ndjson";
  std::string dir = "/tmp";
  int level = -3;
  size_t commit_kb = 200;  // one 100-event /v1/batch request per group commit
  size_t total_mb = 600;
  app.add_option("--events", events_path);
  app.add_option("--level", level, "zstd level");
  app.add_option("--commit_kb", commit_kb, "uncompressed bytes per group commit");
  app.add_option("--mb", total_mb, "uncompressed megabytes to append");
  app.add_option("--dir", dir, "a directory on the spool's file system");
  CLI11_PARSE(app, argc, argv);

  std::ifstream in(events_path);
  std::string all;
  size_t events = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    all.append(line).push_back('\n');
    ++events;
  }
  if (events == 0) {
    std::fprintf(stderr, "no events in %s\n", events_path.c_str());
    return 1;
  }
  const double event_bytes = static_cast<double>(all.size()) / events;
  const size_t commit = commit_kb << 10;

  // zstd over group-commit sized pieces of the sample, as the spool's blocks.
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  std::string out(ZSTD_compressBound(commit), '\0');
  size_t in_bytes = 0, out_bytes = 0;
  double start = CpuSeconds();
  while (in_bytes < (total_mb << 20)) {
    for (size_t at = 0; at < all.size(); at += commit) {
      const size_t n = std::min(commit, all.size() - at);
      out_bytes += ZSTD_compress2(cctx, out.data(), out.size(), all.data() + at, n);
      in_bytes += n;
    }
  }
  const double zstd_us = (CpuSeconds() - start) * 1e6 / (in_bytes / event_bytes);
  ZSTD_freeCCtx(cctx);
  const double ratio = static_cast<double>(in_bytes) / out_bytes;

  const size_t total = total_mb << 20;
  const double raw_us = AppendCost(dir, commit, total) * 1e6 / (total / event_bytes);
  const size_t packed_commit = static_cast<size_t>(commit / ratio);
  const double packed_us = AppendCost(dir, packed_commit, static_cast<size_t>(total / ratio)) *
                           1e6 / (total / event_bytes);

  std::printf("events: %zu of %.0f bytes; group commit %zu KB\n", events, event_bytes, commit_kb);
  std::printf("zstd level %d: ratio %.2f, %.3f us/event\n", level, ratio, zstd_us);
  std::printf("append+fdatasync raw: %.3f us/event\n", raw_us);
  std::printf("append+fdatasync compressed: %.3f us/event\n", packed_us);
  std::printf(
      "at most %.0f events per CPU-second uncompressed, %.0f with zstd, if nothing else ran\n",
      1e6 / raw_us, 1e6 / (zstd_us + packed_us));
  return 0;
}
