// What making an event durable costs on this machine before any of our code
// runs: the CPU time (user + system) of zstd on the sample events, and of
// appending bytes with an fdatasync per group commit (to a new file, over
// cached pages, with O_DIRECT). It bounds what /v1/batch can reach per core
// (docs/performance.md, "The floor" and "The ceiling").
//   persist_floor [--events FILE] [--level -3] [--commit_kb 200] [--mb 600] [--dir /tmp]
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// How AppendCost writes: into a new file (new page-cache pages), over a file
// written just before (pages already cached), or with O_DIRECT (no page
// cache: the device copies the bytes; needs 4 KB aligned buffers and sizes).
enum class WriteMode { kNewFile, kCachedFile, kDirect };

// CPU seconds to write `total` bytes in `commit` sized writes, each followed
// by fdatasync, to a file in `dir`.
double AppendCost(const std::string& dir, size_t commit, size_t total, WriteMode mode) {
  const std::string path = dir + "/persist_floor.tmp";
  const int flags = O_CREAT | O_TRUNC | O_WRONLY | (mode == WriteMode::kDirect ? O_DIRECT : 0);
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return -1;
  constexpr size_t kPage = 4096;
  if (mode == WriteMode::kDirect) commit = (commit + kPage - 1) / kPage * kPage;
  void* chunk = std::aligned_alloc(kPage, (commit + kPage - 1) / kPage * kPage);
  std::memset(chunk, 'x', commit);
  const auto write_all = [&] {
    for (size_t at = 0; at < total; at += commit) {
      if (::pwrite(fd, chunk, commit, static_cast<off_t>(at)) != static_cast<ssize_t>(commit)) {
        return;
      }
      ::fdatasync(fd);
    }
  };
  if (mode == WriteMode::kCachedFile) write_all();
  const double start = CpuSeconds();
  write_all();
  const double cpu = CpuSeconds() - start;
  std::free(chunk);
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
  const double per_event = 1e6 / (total / event_bytes);
  const double raw_us = AppendCost(dir, commit, total, WriteMode::kNewFile) * per_event;
  const double cached_us = AppendCost(dir, commit, total, WriteMode::kCachedFile) * per_event;
  const double direct_us = AppendCost(dir, commit, total, WriteMode::kDirect) * per_event;
  const size_t packed_commit = static_cast<size_t>(commit / ratio);
  const double packed_us =
      AppendCost(dir, packed_commit, static_cast<size_t>(total / ratio), WriteMode::kNewFile) *
      per_event;

  std::printf("events: %zu of %.0f bytes; group commit %zu KB\n", events, event_bytes, commit_kb);
  std::printf("zstd level %d: ratio %.2f, %.3f us/event\n", level, ratio, zstd_us);
  std::printf("append+fdatasync raw: %.3f us/event\n", raw_us);
  std::printf("append+fdatasync raw, over cached pages: %.3f us/event\n", cached_us);
  std::printf("append+fdatasync raw, O_DIRECT: %.3f us/event\n", direct_us);
  std::printf("append+fdatasync compressed: %.3f us/event\n", packed_us);
  std::printf(
      "at most %.0f events per CPU-second uncompressed, %.0f with zstd, if nothing else ran\n",
      1e6 / raw_us, 1e6 / (zstd_us + packed_us));
  return 0;
}
