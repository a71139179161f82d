// Helpers shared by the spool tests.
#ifndef OPENTRACK_SPOOL_SPOOL_TEST_UTIL_H_
#define OPENTRACK_SPOOL_SPOOL_TEST_UTIL_H_

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "spool/crc32c.h"
#include "spool/env.h"
#include "spool/log_format.h"
#include "spool/mem_env.h"
#include "spool/spool.h"

namespace opentrack::spool::testing {

// `payload` as one kind-1 frame, as a log file holds it.
inline std::string Framed(std::string_view payload) {
  std::string out;
  AppendRecord(payload, &out);
  return out;
}

inline SpoolOptions TestOptions(std::string dir = "/spool", uint64_t max_file_bytes = 64 << 20,
                                Compression compression = Compression::kZstd) {
  SpoolOptions options;
  options.directory = std::move(dir);
  options.max_file_bytes = max_file_bytes;
  options.compression = compression;
  return options;
}

// The format before blocks: one frame per record, so byte layouts are easy to predict.
inline SpoolOptions RecordPerFrameOptions(std::string dir = "/spool",
                                          uint64_t max_file_bytes = 64 << 20) {
  return TestOptions(std::move(dir), max_file_bytes, Compression::kNone);
}

inline std::string CompressionName(const ::testing::TestParamInfo<Compression>& info) {
  return info.param == Compression::kZstd ? "Zstd" : "None";
}

// Every record readable now (no waiting).
inline std::vector<Record> ReadAll(Spool& spool) {
  std::vector<Record> all;
  for (;;) {
    auto batch = spool.Read(1000, 1 << 30, absl::ZeroDuration());
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (!batch.ok() || batch->empty()) return all;
    for (Record& r : *batch) all.push_back(std::move(r));
  }
}

inline std::vector<std::string> Payloads(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const Record& r : records) out.push_back(r.data);
  return out;
}

// Log file names in `dir`, sorted.
inline std::vector<std::string> LogFiles(Env& env, const std::string& dir = "/spool") {
  std::vector<std::string> out;
  auto names = env.ListDir(dir);
  if (!names.ok()) return out;
  for (const std::string& n : *names) {
    if (n.ends_with(".log")) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Opens a spool, failing the test (and returning null) if it cannot.
inline std::unique_ptr<Spool> OpenOrDie(Env* env, SpoolOptions options = TestOptions()) {
  auto spool = Spool::Open(std::move(options), env);
  EXPECT_TRUE(spool.ok()) << spool.status();
  return spool.ok() ? std::move(*spool) : nullptr;
}

// Appends batches of events(n, first) from `threads` threads, `per_thread`
// each, while `env` keeps a crash copy at every fsync, torn up to `max_tear`
// bytes into what is not yet synced. Then every copy must recover with each
// append acknowledged before its crash exactly once, nothing counted as
// dropped, and take a new append.
inline void ExpectAcknowledgedAppendsSurviveACrashAtAnyFsync(
    MemEnv& env, const SpoolOptions& options, int threads, int per_thread, size_t max_tear,
    const std::function<std::vector<std::string>(int n, int first)>& events) {
  auto spool = OpenOrDie(&env, options);
  absl::Mutex mu;
  std::vector<std::string> acked;  // in completion order
  struct Crash {
    std::unique_ptr<MemEnv> env;
    std::vector<std::string> acked;
  };
  std::vector<Crash> crashes;
  std::mt19937 rng(42);
  env.SetSyncHook([&] {
    // Runs on the writer thread, after every earlier round's callbacks.
    absl::MutexLock lock(&mu);
    crashes.push_back({env.CrashCopy(rng() % max_tear), acked});
  });
  std::vector<std::thread> appenders;
  for (int t = 0; t < threads; ++t) {
    appenders.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::vector<std::string> batch = events(1 + i % 3, (t * per_thread + i) * 3);
        ASSERT_TRUE(spool->AppendAndWait(batch).ok());
        absl::MutexLock lock(&mu);
        acked.insert(acked.end(), batch.begin(), batch.end());
      }
    });
  }
  for (auto& a : appenders) a.join();
  spool.reset();
  env.SetSyncHook(nullptr);
  ASSERT_GT(crashes.size(), 10u);
  EXPECT_GT(crashes.back().acked.size(), 0u);
  for (size_t i = 0; i < crashes.size(); ++i) {
    SCOPED_TRACE(i);
    auto recovered = OpenOrDie(crashes[i].env.get(), options);
    std::vector<std::string> got = Payloads(ReadAll(*recovered));
    std::vector<std::string> want = crashes[i].acked;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_TRUE(std::includes(got.begin(), got.end(), want.begin(), want.end()));
    EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end());  // no duplicates
    EXPECT_EQ(recovered->Stats().dropped_bytes, 0u);
    ASSERT_TRUE(recovered->AppendAndWait({"after"}).ok());
  }
}

// A cursor as versions before block frames wrote it: "OTC1", file number and
// byte offset (the address of the first record of the frame there), CRC.
inline std::string ByteOffsetCursor(uint64_t file_number, uint64_t byte_offset) {
  std::string out = "OTC1";
  for (uint64_t v : {file_number, byte_offset}) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  const uint32_t crc = crc32c::Mask(crc32c::Value(out));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out;
}

}  // namespace opentrack::spool::testing

#endif  // OPENTRACK_SPOOL_SPOOL_TEST_UTIL_H_
