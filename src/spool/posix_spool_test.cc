// The spool and PosixEnv against a real temporary directory.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spool/env.h"
#include "spool/log_reader.h"
#include "spool/spool.h"
#include "spool/spool_test_util.h"

namespace opentrack::spool {
namespace {

using ::opentrack::spool::testing::LogFiles;
using ::opentrack::spool::testing::Payloads;
using ::opentrack::spool::testing::ReadAll;
using ::opentrack::spool::testing::TestOptions;
using ::testing::ElementsAre;

// Buffered (false) and with direct I/O (true): O_DIRECT works on ext4, where /tmp is here.
class PosixSpoolTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "spool_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/spool";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::unique_ptr<Spool> OpenOrDie(uint64_t max_file_bytes = 64 << 20,
                                   Compression compression = Compression::kZstd) {
    SpoolOptions options = TestOptions(dir_, max_file_bytes, compression);
    options.direct_io = GetParam();
    auto spool = Spool::Open(std::move(options), Env::Posix());
    EXPECT_TRUE(spool.ok()) << spool.status();
    return spool.ok() ? std::move(*spool) : nullptr;
  }

  std::string root_;
  std::string dir_;
};

INSTANTIATE_TEST_SUITE_P(Io, PosixSpoolTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Direct" : "Buffered"; });

TEST_P(PosixSpoolTest, AppendReopenReadAckAndTrim) {
  auto spool = OpenOrDie(100, Compression::kNone);
  std::vector<std::string> data;
  for (int i = 0; i < 7; ++i) data.push_back(std::string(40, static_cast<char>('a' + i)));
  ASSERT_TRUE(spool->AppendAndWait(data).ok());
  EXPECT_GE(spool->Stats().fsyncs, 3u);
  spool.reset();
  spool = OpenOrDie(100, Compression::kNone);
  auto records = ReadAll(*spool);
  EXPECT_EQ(Payloads(records), data);
  EXPECT_THAT(LogFiles(*Env::Posix(), dir_), ElementsAre("000001.log", "000002.log", "000003.log"));
  ASSERT_TRUE(spool->Ack(records[5].position).ok());
  EXPECT_THAT(LogFiles(*Env::Posix(), dir_), ElementsAre("000003.log"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/CURSOR"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/CURSOR.tmp"));
  spool.reset();
  spool = OpenOrDie(100, Compression::kNone);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre(data[6]));
}

// Records long enough to be written from where the appender left them
// (RoundBuffer), between short ones, sharing a prefix, across file rolls.
TEST_P(PosixSpoolTest, LargeRecordsAreGatheredUnchanged) {
  auto spool = OpenOrDie(300 << 10, Compression::kNone);
  std::vector<std::string> suffixes, expected;
  for (int i = 0; i < 40; ++i) {
    const size_t n = i % 3 == 0 ? 17 : (i % 3 == 1 ? 4096 : 100000 + 4097 * i);
    std::string s(n, '\0');
    for (size_t j = 0; j < n; ++j) s[j] = static_cast<char>('a' + (i + j) % 26);
    expected.push_back("head" + s);
    suffixes.push_back(std::move(s));
  }
  ASSERT_TRUE(spool->AppendAndWait("head", suffixes).ok());
  spool.reset();
  spool = OpenOrDie(300 << 10, Compression::kNone);
  EXPECT_EQ(Payloads(ReadAll(*spool)), expected);
  EXPECT_GE(LogFiles(*Env::Posix(), dir_).size(), 5u);  // rolled several times
}

TEST_P(PosixSpoolTest, CompressedBlocksAppendReopenReadAckInsideABlock) {
  auto spool = OpenOrDie();
  std::vector<std::string> data;
  for (int i = 0; i < 50; ++i) {
    data.push_back(absl::StrCat("default\n{\"type\":\"page\",\"messageId\":\"", i, "\"}"));
  }
  ASSERT_TRUE(spool->AppendAndWait(data).ok());
  spool.reset();
  spool = OpenOrDie();
  auto records = ReadAll(*spool);
  EXPECT_EQ(Payloads(records), data);
  ASSERT_TRUE(spool->Ack(records[19].position).ok());
  EXPECT_EQ(spool->Stats().ack, MakePosition(1, 0, 20));
  spool.reset();
  spool = OpenOrDie();
  EXPECT_EQ(Payloads(ReadAll(*spool)), std::vector<std::string>(data.begin() + 20, data.end()));
}

TEST_P(PosixSpoolTest, TornTailIsTruncatedOnReopen) {
  auto spool = OpenOrDie();
  ASSERT_TRUE(spool->AppendAndWait({"kept"}).ok());
  spool.reset();
  const std::string path = dir_ + "/000001.log";
  const auto size = std::filesystem::file_size(path);
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << std::string("\x20\x00\x00", 3);  // the first bytes of a header
  }
  spool = OpenOrDie();
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("kept"));
  EXPECT_EQ(std::filesystem::file_size(path), size);
}

TEST_P(PosixSpoolTest, ZeroFilledTailIsACleanEndAndTruncated) {
  auto spool = OpenOrDie(64 << 20, Compression::kNone);
  ASSERT_TRUE(spool->AppendAndWait({"kept"}).ok());
  spool.reset();
  const std::string path = dir_ + "/000001.log";
  const auto size = std::filesystem::file_size(path);
  EXPECT_EQ(size, FramedSize(4));  // closed: no padding
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << std::string(4096 - size, '\0');  // what a crash leaves after a direct write
  }
  spool = OpenOrDie(64 << 20, Compression::kNone);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAre("kept"));
  EXPECT_EQ(spool->Stats().dropped_bytes, 0u);
  EXPECT_EQ(std::filesystem::file_size(path), size);
}

// Each append is a round that rewrites the last block while the reader reads it.
TEST_P(PosixSpoolTest, ReaderFollowsTheWriterRecordByRecord) {
  auto spool = OpenOrDie(64 << 10, Compression::kNone);
  constexpr int kRecords = 1000;
  auto record = [](int i) { return absl::StrCat("default\n{\"messageId\":\"", i, "\"}"); };
  std::thread writer([&] {
    for (int i = 0; i < kRecords; ++i) ASSERT_TRUE(spool->AppendAndWait({record(i)}).ok());
  });
  std::vector<std::string> got;
  while (got.size() < kRecords) {
    auto batch = spool->Read(5, 1 << 20, absl::Seconds(10));
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_FALSE(batch->empty());
    for (const Record& r : *batch) got.push_back(r.data);
  }
  writer.join();
  for (int i = 0; i < kRecords; ++i) ASSERT_EQ(got[i], record(i));
  spool.reset();
  for (const std::string& name : LogFiles(*Env::Posix(), dir_)) {
    const std::string bytes = *Env::Posix()->ReadFileToString(dir_ + "/" + name);
    EXPECT_EQ(ScanLog(bytes, 0).valid_end, bytes.size()) << name;  // closed files: no padding
  }
}

TEST_P(PosixSpoolTest, EnvOperations) {
  Env* env = Env::Posix();
  ASSERT_TRUE(env->CreateDir(dir_).ok());
  auto file = env->NewWritableFile(dir_ + "/a");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("hello world").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(env->SyncDir(dir_).ok());
  EXPECT_EQ(*env->GetFileSize(dir_ + "/a"), 11u);
  ASSERT_TRUE(env->TruncateFile(dir_ + "/a", 5).ok());
  EXPECT_EQ(*env->ReadFileToString(dir_ + "/a"), "hello");
  ASSERT_TRUE(env->RenameFile(dir_ + "/a", dir_ + "/b").ok());
  EXPECT_FALSE(env->FileExists(dir_ + "/a"));
  EXPECT_THAT(*env->ListDir(dir_), ElementsAre("b"));
  auto reader = env->NewRandomAccessFile(dir_ + "/b");
  ASSERT_TRUE(reader.ok());
  std::string out;
  ASSERT_TRUE((*reader)->Read(3, 100, &out).ok());
  EXPECT_EQ(out, "lo");
  ASSERT_TRUE(env->DeleteFile(dir_ + "/b").ok());
  EXPECT_EQ(env->DeleteFile(dir_ + "/b").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(env->NewRandomAccessFile(dir_ + "/b").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace opentrack::spool
