#include "common/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/json_text.h"
#include "gtest/gtest.h"

namespace opentrack {
namespace {

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

// Covers the 16-byte blocks and the short tail of every length, for String
// and for PaddedString, which reads whole blocks past the end: the bytes
// there, here all of them special, must not change what is written.
TEST(JsonWriterTest, EveryLengthAndSpecialPosition) {
  const std::string junk = "\"\\\n\xC3\"\\\n\xC3\"\\\n\xC3\"\\\n\xC3";
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t at = 0; at <= n; ++at) {
      for (const char special : {'"', '\\', '\n', '\x7f', '\xC3'}) {
        std::string s(n, 'y');
        if (at < n) s[at] = special;
        const std::string padded = s + junk;
        const std::string_view text(padded.data(), n);
        std::string want = "p";
        AppendJsonString(&want, s);
        std::string got = "p", got_padded = "p";
        {
          JsonWriter w(&got), w_padded(&got_padded);
          w.String(s);
          w_padded.PaddedString(text);
        }
        EXPECT_EQ(got, want) << n << " " << at;
        EXPECT_EQ(got_padded, want) << n << " " << at;
        EXPECT_EQ(JsonWriter::PaddedPlain(text), want.size() == n + 3) << n << " " << at;
      }
    }
  }
}

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
// Reserve/Commit for text assembled by the caller, Overwrite of a byte already
// written, and growth past the first reservation of a scratch buffer.
TEST(JsonWriterTest, ReserveCommitAndOverwrite) {
  std::string scratch;
  for (int round = 0; round < 2; ++round) {  // the buffer reused: the same text
    JsonWriter w(&scratch, JsonWriter::Scratch{});
    w.Char(',');
    for (int i = 0; i < 300; ++i) {
      char* p = w.Reserve(8);
      std::memcpy(p, "abc", 3);
      w.Commit(p + 3);
      w.Int(i);
    }
    w.Overwrite(0, '{');
    const std::string_view text = w.Written();
    EXPECT_EQ(text.substr(0, 9), "{abc0abc1");
    EXPECT_EQ(text.substr(text.size() - 6), "abc299");
    EXPECT_EQ(text.size(), 1u + 300 * 3 + 10 + 90 * 2 + 200 * 3);
  }
}

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
}  // namespace opentrack
