#include "spool/mem_env.h"

#include "gtest/gtest.h"

namespace opentrack::spool {
namespace {

TEST(MemEnvTest, CrashDropsUnsyncedBytes) {
  MemEnv env;
  auto file = env.NewWritableFile("/d/f");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(env.SyncDir("/d").ok());
  ASSERT_TRUE((*file)->Append("durable").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append("volatile").ok());
  EXPECT_EQ(env.GetFile("/d/f"), "durablevolatile");
  EXPECT_EQ(env.CrashCopy()->GetFile("/d/f"), "durable");
  EXPECT_EQ(env.CrashCopy(3)->GetFile("/d/f"), "durablevol");
}

TEST(MemEnvTest, CrashDropsDirectoryChangesUntilSyncDir) {
  MemEnv env;
  ASSERT_TRUE(env.NewWritableFile("/d/new").ok());
  EXPECT_FALSE(env.CrashCopy()->FileExists("/d/new"));
  ASSERT_TRUE(env.SyncDir("/d").ok());
  EXPECT_TRUE(env.CrashCopy()->FileExists("/d/new"));
  ASSERT_TRUE(env.RenameFile("/d/new", "/d/renamed").ok());
  auto before = env.CrashCopy();
  EXPECT_TRUE(before->FileExists("/d/new"));
  EXPECT_FALSE(before->FileExists("/d/renamed"));
  ASSERT_TRUE(env.SyncDir("/d").ok());
  auto after = env.CrashCopy();
  EXPECT_FALSE(after->FileExists("/d/new"));
  EXPECT_TRUE(after->FileExists("/d/renamed"));
}

TEST(MemEnvTest, ListDirShowsOnlyDirectChildren) {
  MemEnv env;
  env.PutFile("/d/a", "1");
  env.PutFile("/d/b", "2");
  env.PutFile("/d/sub/c", "3");
  env.PutFile("/e/d", "4");
  auto names = env.ListDir("/d");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));
}

TEST(MemEnvTest, InjectedErrors) {
  MemEnv env;
  auto file = env.NewWritableFile("/d/f");
  ASSERT_TRUE(file.ok());
  env.SetAppendError(absl::InternalError("disk gone"), 2);
  EXPECT_EQ((*file)->Append("abcdef").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(env.GetFile("/d/f"), "ab");
  env.SetAppendError(absl::OkStatus());
  env.SetSyncError(absl::InternalError("fsync failed"));
  EXPECT_EQ((*file)->Sync().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace opentrack::spool
