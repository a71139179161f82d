// The spool with direct_io (docs/spool-format.md, "Direct I/O"), in MemEnv,
// which fails every misaligned direct write as the kernel does.
#include <algorithm>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spool/log_reader.h"
#include "spool/mem_env.h"
#include "spool/spool.h"
#include "spool/spool_test_util.h"

namespace opentrack::spool {
namespace {

using ::opentrack::spool::testing::CompressionName;
using ::opentrack::spool::testing::ExpectAcknowledgedAppendsSurviveACrashAtAnyFsync;
using ::opentrack::spool::testing::Framed;
using ::opentrack::spool::testing::LogFiles;
using ::opentrack::spool::testing::OpenOrDie;
using ::opentrack::spool::testing::Payloads;
using ::opentrack::spool::testing::ReadAll;
using ::opentrack::spool::testing::TestOptions;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

SpoolOptions DirectOptions(Compression compression = Compression::kNone,
                           uint64_t max_file_bytes = 64 << 20) {
  SpoolOptions options = TestOptions("/spool", max_file_bytes, compression);
  options.direct_io = true;
  return options;
}

std::vector<std::string> Events(int n, int first) {
  std::vector<std::string> out;
  for (int i = first; i < first + n; ++i) {
    out.push_back(absl::StrCat("default\n{\"type\":\"track\",\"messageId\":\"m", i,
                               "\",\"event\":\"Signed Up\"}"));
  }
  return out;
}

class SpoolDirectIoTest : public ::testing::TestWithParam<Compression> {};

INSTANTIATE_TEST_SUITE_P(Compression, SpoolDirectIoTest,
                         ::testing::Values(Compression::kNone, Compression::kZstd),
                         CompressionName);

TEST_P(SpoolDirectIoTest, FilesAreByteForByteThoseOfTheBufferedWriter) {
  MemEnv buffered_env, direct_env;
  direct_env.SetDirectIoAlignment(512);
  SpoolOptions buffered = TestOptions("/spool", 1000, GetParam());
  auto a = OpenOrDie(&buffered_env, buffered);
  auto b = OpenOrDie(&direct_env, DirectOptions(GetParam(), 1000));
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> batch = Events(1 + round % 5, round * 5);
    ASSERT_TRUE(a->AppendAndWait(batch).ok());
    ASSERT_TRUE(b->AppendAndWait(batch).ok());
  }
  EXPECT_GT(direct_env.direct_writes(), 40u);
  a.reset();
  b.reset();
  const std::vector<std::string> files = LogFiles(buffered_env);
  ASSERT_GT(files.size(), 2u);
  ASSERT_EQ(LogFiles(direct_env), files);
  for (const std::string& f : files) {
    EXPECT_EQ(direct_env.GetFile("/spool/" + f), buffered_env.GetFile("/spool/" + f)) << f;
  }
}

TEST_P(SpoolDirectIoTest, EveryAcknowledgedAppendSurvivesACrashAtAnyFsync) {
  MemEnv env;
  env.SetDirectIoAlignment(512);  // many block boundaries in a few KB
  // A torn write starts at the rewritten last block: tear up to a few blocks in.
  ExpectAcknowledgedAppendsSurviveACrashAtAnyFsync(env, DirectOptions(GetParam(), 8 << 10),
                                                   /*threads=*/6, /*per_thread=*/50,
                                                   /*max_tear=*/2048, Events);
}

TEST(SpoolDirectIoTest, ZeroPaddedTailOfTheLastFileIsACleanEnd) {
  MemEnv env;
  auto spool = OpenOrDie(&env, DirectOptions());
  ASSERT_TRUE(spool->AppendAndWait({"one"}).ok());
  ASSERT_TRUE(spool->AppendAndWait({"two"}).ok());
  auto crashed = env.CrashCopy();  // no Close: the padding is still there
  const std::string logical = Framed("one") + Framed("two");
  ASSERT_EQ(crashed->GetFile("/spool/000001.log"),
            logical + std::string(4096 - logical.size(), '\0'));
  auto recovered = OpenOrDie(crashed.get(), DirectOptions());
  EXPECT_THAT(Payloads(ReadAll(*recovered)), ElementsAre("one", "two"));
  EXPECT_EQ(recovered->Stats().dropped_bytes, 0u);
  EXPECT_EQ(crashed->GetFile("/spool/000001.log"), logical);  // the padding is gone
  ASSERT_TRUE(recovered->AppendAndWait({"three"}).ok());
  EXPECT_THAT(LogFiles(*crashed), ElementsAre("000001.log", "000002.log"));
  recovered.reset();
  auto again = OpenOrDie(crashed.get());  // and a buffered spool reads it all
  EXPECT_THAT(Payloads(ReadAll(*again)), ElementsAre("one", "two", "three"));
}

TEST(SpoolDirectIoTest, ASealedFileHasNoPaddingBeforeTheNextFileExists) {
  MemEnv env;
  auto spool = OpenOrDie(&env, DirectOptions(Compression::kNone, 100));
  std::vector<std::unique_ptr<MemEnv>> crashes;
  env.SetSyncHook([&] { crashes.push_back(env.CrashCopy()); });
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(spool->AppendAndWait({std::string(60, static_cast<char>('a' + i))}).ok());
  }
  spool.reset();
  ASSERT_GT(crashes.size(), 6u);
  for (size_t i = 0; i < crashes.size(); ++i) {
    SCOPED_TRACE(i);
    const std::vector<std::string> files = LogFiles(*crashes[i]);
    // Every file but the last is sealed: exactly its frames.
    for (size_t f = 0; f + 1 < files.size(); ++f) {
      const std::string bytes = crashes[i]->GetFile("/spool/" + files[f]);
      const ScanResult scan = ScanLog(bytes, 0);
      EXPECT_EQ(scan.valid_end, bytes.size()) << files[f];
      EXPECT_EQ(scan.tail_bytes, 0u) << files[f];
    }
  }
  // Closed: no padding in the last file either.
  ASSERT_THAT(LogFiles(env), ElementsAre("000001.log", "000002.log", "000003.log"));
  EXPECT_EQ(env.GetFile("/spool/000003.log"),
            Framed(std::string(60, 'e')) + Framed(std::string(60, 'f')));
}

TEST(SpoolDirectIoTest, OpenFailsWhenTheFileSystemRefusesDirectIo) {
  MemEnv env;
  env.SetDirectIoSupported(false);
  auto spool = Spool::Open(DirectOptions(), &env);
  EXPECT_EQ(spool.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(spool.status().message(), HasSubstr("opening spool /spool"));
  EXPECT_THAT(spool.status().message(), HasSubstr("spool direct I/O"));
  EXPECT_THAT(spool.status().message(), HasSubstr("O_DIRECT"));
  EXPECT_EQ(*env.ListDir("/spool"), std::vector<std::string>());
  EXPECT_TRUE(Spool::Open(TestOptions(), &env).ok());  // buffered is fine
}

TEST(SpoolDirectIoTest, OpenLeavesNoProbeFile) {
  MemEnv env;
  auto spool = OpenOrDie(&env, DirectOptions());
  EXPECT_EQ(*env.ListDir("/spool"), std::vector<std::string>());
  EXPECT_EQ(env.direct_writes(), 1u);
}

TEST(SpoolDirectIoTest, FailedWriteFailsTheAppendAndTheNextGoesToANewFile) {
  MemEnv env;
  auto spool = OpenOrDie(&env, DirectOptions());
  ASSERT_TRUE(spool->AppendAndWait({"good"}).ok());
  env.SetAppendError(absl::ResourceExhaustedError("no space left"), 4);
  EXPECT_EQ(spool->AppendAndWait({"lost"}).code(), absl::StatusCode::kResourceExhausted);
  env.SetAppendError(absl::OkStatus());
  ASSERT_TRUE(spool->AppendAndWait({"next"}).ok());
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("good", "next"));
  // The failed file was still truncated to what was appended: no padding, no stray bytes.
  EXPECT_EQ(env.GetFile("/spool/000001.log"), Framed("good"));
  spool.reset();
  auto reopened = OpenOrDie(&env, DirectOptions());
  EXPECT_THAT(Payloads(ReadAll(*reopened)), ElementsAre("good", "next"));
  EXPECT_EQ(reopened->Stats().dropped_bytes, 0u);
}

TEST(SpoolDirectIoTest, FailedFsyncFailsTheAppendAndTheNextGoesToANewFile) {
  MemEnv env;
  auto spool = OpenOrDie(&env, DirectOptions());
  ASSERT_TRUE(spool->AppendAndWait({"good"}).ok());
  env.SetSyncError(absl::InternalError("fsync failed"));
  absl::Status s = spool->AppendAndWait({"lost"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(s.message()), HasSubstr("/spool/000001.log"));
  env.SetSyncError(absl::OkStatus());
  ASSERT_TRUE(spool->AppendAndWait({"next"}).ok());
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("good", "next"));
  EXPECT_THAT(LogFiles(env), ElementsAre("000001.log", "000002.log"));
}

TEST(SpoolDirectIoTest, ReaderFollowsTheWriterThroughRewrittenBlocks) {
  MemEnv env;
  env.SetDirectIoAlignment(512);
  auto spool = OpenOrDie(&env, DirectOptions(Compression::kNone, 16 << 10));
  constexpr int kRecords = 600;
  std::thread writer([&] {
    for (int i = 0; i < kRecords; ++i) ASSERT_TRUE(spool->AppendAndWait(Events(1, i)).ok());
  });
  std::vector<std::string> got;
  while (got.size() < kRecords) {
    auto batch = spool->Read(7, 1 << 20, absl::Seconds(10));
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_FALSE(batch->empty());
    for (const Record& r : *batch) got.push_back(r.data);
  }
  writer.join();
  EXPECT_EQ(got, Events(kRecords, 0));
}

}  // namespace
}  // namespace opentrack::spool
