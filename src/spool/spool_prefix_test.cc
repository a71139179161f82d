// Appends whose records share a prefix: on disk and when read back they must be
// exactly the records appended whole, in every frame layout.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spool/block_format.h"
#include "spool/mem_env.h"
#include "spool/spool.h"
#include "spool/spool_test_util.h"

namespace opentrack::spool {
namespace {

using ::opentrack::spool::testing::CompressionName;
using ::opentrack::spool::testing::LogFiles;
using ::opentrack::spool::testing::OpenOrDie;
using ::opentrack::spool::testing::Payloads;
using ::opentrack::spool::testing::ReadAll;
using ::opentrack::spool::testing::RecordPerFrameOptions;
using ::opentrack::spool::testing::TestOptions;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::SizeIs;

// One append: a prefix shared by its records and their suffixes.
struct Batch {
  std::string prefix;
  std::vector<std::string> suffixes;

  std::vector<std::string> Whole() const {
    std::vector<std::string> out;
    for (const std::string& s : suffixes) out.push_back(prefix + s);
    return out;
  }
};

// Event-like batches of several sizes and prefixes, one empty suffix, one empty prefix.
std::vector<Batch> Batches() {
  std::vector<Batch> out;
  for (int b = 0; b < 6; ++b) {
    Batch batch{b == 4 ? "" : absl::StrCat("source-", b, "\n"), {}};
    for (int i = 0; i < 3 + 5 * b; ++i) {
      batch.suffixes.push_back(absl::StrCat("{\"type\":\"track\",\"messageId\":\"", b, "-", i,
                                            "\",\"properties\":{\"n\":", i * 7, "}}"));
    }
    if (b == 2) batch.suffixes.push_back("");
    out.push_back(std::move(batch));
  }
  return out;
}

// Each batch appended as records built whole, or with its prefix shared;
// returns every log file's bytes in order.
std::vector<std::string> WriteAndListFiles(MemEnv* env, const SpoolOptions& options,
                                           const std::vector<Batch>& batches, bool shared) {
  auto spool = OpenOrDie(env, options);
  for (const Batch& b : batches) {
    const absl::Status s =
        shared ? spool->AppendAndWait(b.prefix, b.suffixes) : spool->AppendAndWait(b.Whole());
    EXPECT_TRUE(s.ok()) << s;
  }
  std::vector<std::string> files;
  for (const std::string& name : LogFiles(*env)) files.push_back(env->GetFile("/spool/" + name));
  return files;
}

class SpoolPrefixTest : public ::testing::TestWithParam<Compression> {
 protected:
  // Blocks of a few records and files of a few frames, so records with a shared
  // prefix cross block boundaries and file rolls.
  SpoolOptions SmallOptions() {
    SpoolOptions options = TestOptions("/spool", 600, GetParam());
    options.block_target_bytes = 300;
    return options;
  }
};

INSTANTIATE_TEST_SUITE_P(Compression, SpoolPrefixTest,
                         ::testing::Values(Compression::kNone, Compression::kZstd),
                         CompressionName);

TEST_P(SpoolPrefixTest, LogFilesAreByteIdenticalToRecordsAppendedWhole) {
  const std::vector<Batch> batches = Batches();
  MemEnv whole_env, shared_env;
  const std::vector<std::string> whole =
      WriteAndListFiles(&whole_env, SmallOptions(), batches, /*shared=*/false);
  const std::vector<std::string> shared =
      WriteAndListFiles(&shared_env, SmallOptions(), batches, /*shared=*/true);
  EXPECT_GT(whole.size(), 3u);  // the batches did cross file rolls
  EXPECT_EQ(shared, whole);
}

TEST_P(SpoolPrefixTest, RecordsReadBackWhole) {
  MemEnv env;
  auto spool = OpenOrDie(&env, SmallOptions());
  std::vector<std::string> expected;
  for (const Batch& b : Batches()) {
    ASSERT_TRUE(spool->AppendAndWait(b.prefix, b.suffixes).ok());
    for (std::string& r : b.Whole()) expected.push_back(std::move(r));
  }
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAreArray(expected));
  spool.reset();
  auto reopened = OpenOrDie(&env, SmallOptions());
  EXPECT_THAT(Payloads(ReadAll(*reopened)), ElementsAreArray(expected));
}

TEST_P(SpoolPrefixTest, PrefixCountsTowardsTheRecordSizeLimit) {
  MemEnv env;
  auto spool = OpenOrDie(&env, TestOptions("/spool", 64 << 20, GetParam()));
  // Each suffix alone fits; with the prefix, the second does not.
  const std::string prefix(10, 'p');
  absl::Status s =
      spool->AppendAndWait(prefix, {"ok", std::string(kMaxPayloadSize - prefix.size() + 1, 'x')});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ReadAll(*spool).empty());
  ASSERT_TRUE(
      spool->AppendAndWait(prefix, {std::string(kMaxPayloadSize - prefix.size(), 'x')}).ok());
  EXPECT_THAT(ReadAll(*spool), SizeIs(1));
}

TEST(SpoolPrefixZstdTest, RecordTooBigForABlockIsFramedAloneWithItsPrefix) {
  const std::string prefix = "big\n";
  const std::vector<std::string> suffixes = {"before", std::string(kMaxBlockContent, 'b'), "after"};
  MemEnv whole_env, shared_env;
  const Batch batch{prefix, suffixes};
  EXPECT_EQ(WriteAndListFiles(&shared_env, TestOptions(), {batch}, /*shared=*/true),
            WriteAndListFiles(&whole_env, TestOptions(), {batch}, /*shared=*/false));
  auto spool = OpenOrDie(&shared_env);
  EXPECT_THAT(Payloads(ReadAll(*spool)), ElementsAreArray(batch.Whole()));
}

TEST(SpoolPrefixRecordPerFrameTest, UnackedBytesCountThePrefixOfEveryRecord) {
  MemEnv env;
  SpoolOptions options = RecordPerFrameOptions();
  options.max_total_bytes = 3 * FramedSize(100);
  auto spool = OpenOrDie(&env, options);
  const std::string prefix(60, 'p'), suffix(40, 's');
  ASSERT_TRUE(spool->AppendAndWait(prefix, {suffix, suffix}).ok());
  EXPECT_EQ(spool->Stats().unacked_bytes, 2 * FramedSize(100));
  EXPECT_EQ(spool->AppendAndWait(prefix, {suffix, suffix}).code(),
            absl::StatusCode::kResourceExhausted);
  ASSERT_TRUE(spool->AppendAndWait(prefix, {suffix}).ok());  // exactly at the limit
  EXPECT_THAT(Payloads(ReadAll(*spool)),
              ElementsAre(prefix + suffix, prefix + suffix, prefix + suffix));
}

}  // namespace
}  // namespace opentrack::spool
