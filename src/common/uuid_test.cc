#include "common/uuid.h"

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace opentrack {
namespace {

void ExpectVersion4(const std::string& id) {
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[13], '-');
  EXPECT_EQ(id[14], '4');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
}

TEST(UuidTest, IsVersion4AndUnique) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuid();
    ExpectVersion4(id);
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(UuidTest, FromSeedIsFixedBySeedAndIndex) {
  const UuidSeed seed = NewUuidSeed();
  EXPECT_EQ(UuidFromSeed(seed, 7), UuidFromSeed(seed, 7));
  EXPECT_EQ(UuidFromSeed(UuidSeed{1, 2}, 0), UuidFromSeed(UuidSeed{1, 2}, 0));
  EXPECT_NE(UuidFromSeed(UuidSeed{1, 2}, 0), UuidFromSeed(UuidSeed{1, 3}, 0));
  EXPECT_NE(UuidFromSeed(UuidSeed{1, 2}, 0), UuidFromSeed(UuidSeed{2, 2}, 0));
}

TEST(UuidTest, FromSeedGivesDistinctVersion4Ids) {
  absl::flat_hash_set<std::string> seen;
  const UuidSeed seed{0, 0};  // the worst seed still spreads
  for (uint64_t i = 0; i < 5000; ++i) {
    const std::string id = UuidFromSeed(seed, i);
    ExpectVersion4(id);
    EXPECT_TRUE(seen.insert(id).second) << i;
  }
}

}  // namespace
}  // namespace opentrack
