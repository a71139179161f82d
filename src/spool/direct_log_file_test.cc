#include "spool/direct_log_file.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spool/mem_env.h"

namespace opentrack::spool {
namespace {

using ::testing::HasSubstr;

// Bytes that differ at every offset, so a block written at the wrong place shows.
std::string Bytes(size_t n, size_t seed) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>('a' + (seed + i) % 26);
  return out;
}

std::unique_ptr<DirectLogFile> NewFile(Env& env, const std::string& path) {
  auto file = env.NewDirectWritableFile(path);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? std::make_unique<DirectLogFile>(*std::move(file)) : nullptr;
}

std::string Padded(const std::string& bytes, size_t alignment) {
  return bytes + std::string(RoundUp(bytes.size(), alignment) - bytes.size(), '\0');
}

TEST(DirectLogFileTest, TwoAppendsOfEverySizeAroundBlockBoundaries) {
  constexpr size_t kAlignment = 64;
  MemEnv env;
  env.SetDirectIoAlignment(kAlignment);
  for (size_t first = 0; first <= 2 * kAlignment + 1; ++first) {
    for (size_t second = 0; second <= 2 * kAlignment + 1; ++second) {
      SCOPED_TRACE(absl::StrCat(first, " then ", second));
      auto file = NewFile(env, "/f");
      const std::string a = Bytes(first, 0), b = Bytes(second, 7);
      ASSERT_TRUE(file->Append(a).ok());
      ASSERT_TRUE(file->Append(b).ok());
      EXPECT_EQ(file->size(), first + second);
      // Until Close the last block is zero-padded: zeros read as the end of the log.
      ASSERT_EQ(env.GetFile("/f"), Padded(a + b, kAlignment));
      ASSERT_TRUE(file->Close().ok());
      ASSERT_EQ(env.GetFile("/f"), a + b);
    }
  }
}

TEST(DirectLogFileTest, PiecesAreAppendedAsTheirConcatenation) {
  constexpr size_t kAlignment = 64;
  MemEnv env;
  env.SetDirectIoAlignment(kAlignment);
  auto file = NewFile(env, "/f");
  std::string expected;
  for (size_t round = 0; round < 20; ++round) {
    std::vector<std::string> owned = {Bytes(round * 7 % 65, round), "", Bytes(round * 13 + 1, 3),
                                      Bytes(150, round)};
    std::vector<std::string_view> pieces(owned.begin(), owned.end());
    ASSERT_TRUE(file->AppendPieces(pieces).ok());
    for (const std::string& piece : owned) expected += piece;
    ASSERT_EQ(env.GetFile("/f"), Padded(expected, kAlignment));
  }
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(env.GetFile("/f"), expected);
}

TEST(DirectLogFileTest, ManySmallAppendsWithSyncs) {
  MemEnv env;
  env.SetDirectIoAlignment(512);
  auto file = NewFile(env, "/f");
  std::mt19937 rng(7);
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    const std::string data = Bytes(1 + rng() % 300, i);
    ASSERT_TRUE(file->Append(data).ok()) << i;
    expected += data;
    if (i % 3 == 0) {
      ASSERT_TRUE(file->Sync().ok());
    }
  }
  EXPECT_EQ(env.GetFile("/f"), Padded(expected, 512));
  EXPECT_EQ(env.direct_writes(), 2000u);
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(env.GetFile("/f"), expected);
}

TEST(DirectLogFileTest, AppendLargerThanManyBlocks) {
  MemEnv env;
  auto file = NewFile(env, "/f");  // 4096, MemEnv's default, like PosixEnv's minimum
  const std::string a = Bytes(10, 0), b = Bytes(5 * 4096 + 3, 1);
  ASSERT_TRUE(file->Append(a).ok());
  ASSERT_TRUE(file->Append(b).ok());
  ASSERT_TRUE(file->Append(a).ok());
  EXPECT_EQ(env.GetFile("/f"), Padded(a + b + a, 4096));
}

TEST(DirectLogFileTest, CloseMakesTheTruncationDurable) {
  MemEnv env;
  env.SetDirectIoAlignment(512);
  ASSERT_TRUE(env.CreateDir("/d").ok());
  auto file = NewFile(env, "/d/f");
  ASSERT_TRUE(env.SyncDir("/d").ok());
  ASSERT_TRUE(file->Append(Bytes(700, 0)).ok());
  ASSERT_TRUE(file->Sync().ok());
  EXPECT_EQ(env.CrashCopy()->GetFile("/d/f"), Padded(Bytes(700, 0), 512));
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(env.CrashCopy()->GetFile("/d/f"), Bytes(700, 0));
}

TEST(DirectLogFileTest, ATornRewriteOfTheLastBlockKeepsTheSyncedBytes) {
  MemEnv env;
  env.SetDirectIoAlignment(512);
  ASSERT_TRUE(env.CreateDir("/d").ok());
  auto file = NewFile(env, "/d/f");
  ASSERT_TRUE(env.SyncDir("/d").ok());
  const std::string synced = Bytes(700, 0), unsynced = Bytes(900, 3);
  ASSERT_TRUE(file->Append(synced).ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append(unsynced).ok());
  // The rewrite starts at 512: any prefix of it may land, over the old padding.
  const std::string live = synced + unsynced;
  for (uint64_t torn = 0; torn <= 2048; torn += 1 + torn / 8) {
    SCOPED_TRACE(torn);
    const std::string after = env.CrashCopy(torn)->GetFile("/d/f");
    ASSERT_GE(after.size(), 1024u);
    EXPECT_EQ(after.substr(0, 700), synced);
    // After them: new bytes that landed, or zeros (the old padding, the new one).
    for (size_t i = 700; i < after.size(); ++i) {
      ASSERT_TRUE(after[i] == '\0' || (i < live.size() && after[i] == live[i])) << i;
    }
  }
}

TEST(DirectLogFileTest, AfterAFailedWriteCloseStillTruncatesThePadding) {
  MemEnv env;
  env.SetDirectIoAlignment(512);
  auto file = NewFile(env, "/f");
  ASSERT_TRUE(file->Append(Bytes(100, 0)).ok());
  env.SetAppendError(absl::ResourceExhaustedError("no space left"));
  EXPECT_EQ(file->Append(Bytes(100, 1)).code(), absl::StatusCode::kResourceExhausted);
  env.SetAppendError(absl::OkStatus());
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(env.GetFile("/f"), Bytes(100, 0));
  EXPECT_EQ(file->Append("x").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(DirectLogFileTest, MemEnvRejectsMisalignedDirectWrites) {
  MemEnv env;
  env.SetDirectIoAlignment(512);
  auto file = env.NewDirectWritableFile("/f");
  ASSERT_TRUE(file.ok());
  AlignedBuffer buffer(512);
  buffer.Reserve(1024);
  std::memset(buffer.data(), 'x', 1024);
  EXPECT_TRUE((*file)->WriteAt(512, std::string_view(buffer.data(), 512)).ok());
  absl::Status s = (*file)->WriteAt(100, std::string_view(buffer.data(), 512));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("not 512-byte aligned"));
  EXPECT_EQ((*file)->WriteAt(0, std::string_view(buffer.data(), 100)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*file)->WriteAt(0, std::string_view(buffer.data() + 1, 512)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DirectLogFileTest, MemEnvCanRefuseDirectIo) {
  MemEnv env;
  env.SetDirectIoSupported(false);
  EXPECT_EQ(env.NewDirectWritableFile("/f").status().code(), absl::StatusCode::kFailedPrecondition);
  env.PutFile("/g", "x");
  EXPECT_EQ(env.NewDirectRandomAccessFile("/g").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// PosixEnv on a real directory (ext4 here; O_DIRECT must work there).
class PosixDirectLogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "direct_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(PosixDirectLogFileTest, AppendsAroundBlockBoundariesReadBackBufferedAndDirect) {
  Env* env = Env::Posix();
  const std::string path = dir_ + "/f";
  auto file = NewFile(*env, path);
  ASSERT_NE(file, nullptr);
  std::string expected;
  // Sizes that end just before, at and just after block boundaries, and span several.
  for (size_t n : {1, 4094, 1, 1, 4095, 4096, 4097, 13000, 3, 8191, 8192, 1}) {
    const std::string data = Bytes(n, expected.size());
    ASSERT_TRUE(file->Append(data).ok()) << n;
    ASSERT_TRUE(file->Sync().ok());
    expected += data;
    auto direct = env->NewDirectRandomAccessFile(path);
    ASSERT_TRUE(direct.ok()) << direct.status();
    std::string got;
    // Unaligned offsets and lengths, read through the bounce buffer.
    ASSERT_TRUE((*direct)->Read(expected.size() - data.size(), data.size(), &got).ok());
    ASSERT_EQ(got, data);
    ASSERT_TRUE((*direct)->Read(1, expected.size() - 1, &got).ok());
    ASSERT_EQ(got, expected.substr(1));
  }
  EXPECT_EQ(*env->GetFileSize(path), RoundUp(expected.size(), 4096));
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(*env->GetFileSize(path), expected.size());
  EXPECT_EQ(*env->ReadFileToString(path), expected);
  auto direct = env->NewDirectRandomAccessFile(path);
  ASSERT_TRUE(direct.ok());
  std::string got;
  ASSERT_TRUE((*direct)->Read(expected.size() - 5, 100, &got).ok());  // short at end of file
  EXPECT_EQ(got, expected.substr(expected.size() - 5));
  ASSERT_TRUE((*direct)->Read(expected.size() + 10, 100, &got).ok());
  EXPECT_EQ(got, "");
}

}  // namespace
}  // namespace opentrack::spool
