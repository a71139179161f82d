// The hot-path shortcuts must give exactly what the careful common helpers give.
#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/json_text.h"
#include "common/time_format.h"
#include "gtest/gtest.h"
#include "warehouse_schema/internal/fast_text.h"
#include "warehouse_schema/internal/fast_time.h"
#include "warehouse_schema/internal/json_writer.h"
#include "warehouse_schema/internal/name_table.h"

namespace opentrack::warehouse_schema::internal {
namespace {

TEST(FastTextTest, MatchesAppendJsonString) {
  const std::vector<std::string> inputs = {"",
                                           "a",
                                           "plain ascii text, longer than eight bytes",
                                           "quote\"d",
                                           "back\\slash",
                                           "[{\"product_id\":\"prod_1\",\"price\":1.5}]",
                                           std::string("nul\0byte", 8),
                                           "tab\there",
                                           "caf\xC3\xA9 latte and more",
                                           "bad \xFF utf8",
                                           "\xE6\x97\xA5",
                                           "ends with quote\"",
                                           "\"\"\"\"\"\"\"\"\"",
                                           "control\x01 then \"quote\" then caf\xC3\xA9"};
  for (const std::string& s : inputs) {
    std::string want = "x";
    AppendJsonString(&want, s);
    std::string got = "x";
    AppendJsonStringFast(&got, s);
    EXPECT_EQ(got, want) << s;
  }
}

TEST(JsonWriterTest, StringMatchesAppendJsonString) {
  std::vector<std::string> inputs = {"",
                                     "a",
                                     "12345678",
                                     "1234567\"",
                                     "\"1234567",
                                     "[{\"product_id\":\"prod_16474\",\"sku\":\"S\"}]",
                                     "eight ok then caf\xC3\xA9",
                                     "bad \xFF utf8 after eight bytes",
                                     std::string("long\0nul", 9),
                                     "\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"};
  for (int i = 0; i < 40; ++i) {
    std::string s(40, 'x');
    s[i] = '"';
    inputs.push_back(s);
  }
  for (const std::string& s : inputs) {
    std::string want = "prefix";
    AppendJsonString(&want, s);
    std::string got = "prefix";
    {
      JsonWriter w(&got);
      w.String(s);
      w.Char(',');
      w.Int(-7);
      w.Double(0.25);
    }
    EXPECT_EQ(got, want + ",-70.25") << s;
  }
}

TEST(JsonWriterTest, EveryLengthAndSpecialPosition) {
  // Covers the 16-byte blocks and the short tail of every length.
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t at = 0; at <= n; ++at) {
      for (const char special : {'"', '\\', '\n', '\x7f', '\xC3'}) {
        std::string s(n, 'y');
        if (at < n) s[at] = special;
        std::string want = "p";
        AppendJsonString(&want, s);
        std::string got = "p";
        {
          JsonWriter w(&got);
          w.String(s);
        }
        EXPECT_EQ(got, want) << n << " " << at;
      }
    }
  }
}

TEST(NameTableTest, FindInsertEraseAndGrow) {
  NameTable<int> table;
  EXPECT_EQ(table.Find("a", NameHash("a")), nullptr);
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "column_" + std::to_string(i);
    EXPECT_TRUE(table.Insert(name, NameHash(name), i).second);
  }
  EXPECT_FALSE(table.Insert("column_7", NameHash("column_7"), 99).second);
  EXPECT_EQ(table.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "column_" + std::to_string(i);
    const int* v = table.Find(name, NameHash(name));
    ASSERT_NE(v, nullptr) << name;
    EXPECT_EQ(*v, i);
  }
  EXPECT_TRUE(table.Erase("column_7", NameHash("column_7")));
  EXPECT_FALSE(table.Erase("column_7", NameHash("column_7")));
  EXPECT_EQ(table.Find("column_7", NameHash("column_7")), nullptr);
  EXPECT_NE(table.Find("column_8", NameHash("column_8")), nullptr);
  // Same hash, different names: told apart by the bytes.
  table.Insert("x1", 5, 1);
  table.Insert("x2", 5, 2);
  EXPECT_EQ(*table.Find("x1", 5), 1);
  EXPECT_EQ(*table.Find("x2", 5), 2);
  NameTable<int> copy = table;
  EXPECT_EQ(copy.size(), table.size());
  EXPECT_EQ(*copy.Find("column_999", NameHash("column_999")), 999);
}

TEST(FastTimeTest, MatchesParseTimestamp) {
  const std::vector<std::string> inputs = {"2024-01-01T00:05:10.000000Z",
                                           "2024-06-01T00:00:00.026Z",
                                           "1969-12-31T23:59:59.999999Z",
                                           "0001-01-01T00:00:00.000Z",
                                           "9999-12-31T23:59:59.999999Z",
                                           "2024-02-29T12:00:00.000Z",
                                           "2023-02-29T12:00:00.000Z",
                                           "2024-13-01T00:00:00.000Z",
                                           "2024-01-01T24:00:00.000Z",
                                           "2016-12-31T23:59:60.000Z",
                                           "2024-01-01T00:00:00+01:00",
                                           "2024-01-01 10:00",
                                           "2024-01-01",
                                           "2024-01-01T00:00:00.0000000Z",
                                           "2024-0a-01T00:00:00.000Z",
                                           "not a date at all, honestly"};
  for (const std::string& s : inputs) {
    const std::optional<absl::Time> want = ParseTimestamp(s);
    const std::optional<int64_t> got = ParseTimestampMicros(s);
    ASSERT_EQ(got.has_value(), want.has_value()) << s;
    if (want) {
      EXPECT_EQ(*got, absl::ToUnixMicros(*want)) << s;
    }
  }
}

TEST(FastTextTest, NameHashIsDeterministic) {
  EXPECT_EQ(NameHash("context_ip"), NameHash(std::string("context_") + "ip"));
  EXPECT_NE(NameHash("a"), NameHash("b"));
}

}  // namespace
}  // namespace opentrack::warehouse_schema::internal

namespace opentrack::warehouse_schema::internal {
namespace {

std::string ToChars(double v) {
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
}

std::string Written(double v) {
  std::string out;
  {
    JsonWriter w(&out);
    w.Double(v);
  }
  return out;
}

// JsonWriter::Double's decimal fast path writes exactly what std::to_chars
// writes, for the values it takes and the ones it leaves to to_chars.
TEST(JsonWriterTest, DoubleMatchesToChars) {
  std::vector<double> values = {
      0.01,  0.015,     0.1,      0.3,           0.1 + 0.2,        1.5,
      19.99, 789.84,    -27.46,   100000.5,      999999999.999999, 999999999.9999999,
      1e9,   1e9 + 0.5, 0.0099,   123456.123456, 5e-324,           1e300,
      -0.5,  2.0,       100000.0, 0.001,         0.000123,         1234567.1234567};
  for (int k = 1; k <= 7; ++k) {
    const double scale = std::pow(10.0, k);
    for (int64_t i = -20000; i <= 20000; i += 7) values.push_back(static_cast<double>(i) / scale);
  }
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> magnitude(-3, 10);
  for (int i = 0; i < 200000; ++i) {
    const double x = std::pow(10.0, magnitude(rng));
    const double rounded = std::round(x * 100) / 100;  // like prices
    values.push_back(i % 2 ? rounded : -x);
    uint64_t bits = rng();
    double any;
    std::memcpy(&any, &bits, sizeof(any));
    if (std::isfinite(any)) values.push_back(any);
  }
  size_t fast = 0;
  for (const double v : values) {
    ASSERT_EQ(Written(v), ToChars(v)) << v;
    char buf[64];
    fast += JsonWriter::ShortDecimal(v, buf) != nullptr;
  }
  EXPECT_GT(fast, values.size() / 4);  // the fast path is really taken
}

}  // namespace
}  // namespace opentrack::warehouse_schema::internal
