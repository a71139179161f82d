#include "spool/crc32c.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace opentrack::spool::crc32c {
namespace {

TEST(Crc32cTest, StandardCheckValues) {
  EXPECT_EQ(Value("123456789"), 0xe3069283u);
  EXPECT_EQ(Value(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Value(std::string(32, '\xff')), 0x62a8ab43u);
  EXPECT_EQ(Value(""), 0u);
}

TEST(Crc32cTest, ExtendEqualsWholeValue) {
  std::string data = "hello, spool world: a longer string to cross 8-byte words";
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t crc = Extend(0, data.data(), split);
    crc = Extend(crc, data.data() + split, data.size() - split);
    EXPECT_EQ(crc, Value(data)) << split;
  }
}

TEST(Crc32cTest, PortableMatchesAcceleratedAtEveryAlignmentAndLength) {
  std::mt19937 rng(7);
  std::string data(1000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t start = 0; start < 9; ++start) {
    for (size_t n : {0, 1, 7, 8, 9, 63, 64, 65, 500, 767, 768, 769, 991}) {
      EXPECT_EQ(ExtendPortable(0, data.data() + start, n), Extend(0, data.data() + start, n));
    }
  }
}

// Inputs of several three-lane chunks, with every kind of remainder.
TEST(Crc32cTest, PortableMatchesAcceleratedOnLongInputs) {
  std::mt19937 rng(11);
  std::string data(20000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t start : {0, 3}) {
    for (size_t n : {1535, 1536, 2304, 2311, 5000, 19990}) {
      EXPECT_EQ(ExtendPortable(0, data.data() + start, n), Extend(0, data.data() + start, n)) << n;
      EXPECT_EQ(ExtendPortable(0x12345678, data.data() + start, n),
                Extend(0x12345678, data.data() + start, n))
          << n;
    }
  }
}

TEST(Crc32cTest, MaskRoundTripsAndChangesValue) {
  for (uint32_t crc : {0u, 1u, 0xe3069283u, 0xffffffffu}) {
    EXPECT_NE(Mask(crc), crc);
    EXPECT_EQ(Unmask(Mask(crc)), crc);
  }
}

}  // namespace
}  // namespace opentrack::spool::crc32c
