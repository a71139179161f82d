// The hot-path shortcuts must give exactly what the careful common helpers give.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/json_text.h"
#include "common/json_writer.h"
#include "common/time_format.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "warehouse_schema/internal/fast_text.h"
#include "warehouse_schema/internal/fast_time.h"
#include "warehouse_schema/internal/name_table.h"
#include "warehouse_schema/json_compact.h"

namespace opentrack::warehouse_schema::internal {
namespace {

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

// Every one-character change of two common-form timestamps (digits out of
// range, a wrong separator, a non-digit) parses as ParseTimestamp parses it.
TEST(FastTimeTest, MatchesParseTimestampOnEveryOneCharacterChange) {
  const std::string replacements = "0123456789-:.TZtz +/a";
  for (const std::string base : {"2024-02-29T23:59:59.999Z", "1999-12-31T00:00:00.123456Z",
                                 "0001-01-01T00:00:00.000Z", "2100-02-28T12:30:45.500000Z"}) {
    for (size_t i = 0; i < base.size(); ++i) {
      for (const char c : replacements) {
        std::string s = base;
        s[i] = c;
        const std::optional<absl::Time> want = ParseTimestamp(s);
        const std::optional<int64_t> got = ParseTimestampMicros(s);
        ASSERT_EQ(got.has_value(), want.has_value()) << s;
        if (want) EXPECT_EQ(*got, absl::ToUnixMicros(*want)) << s;
      }
    }
  }
}

// Every instant of years 1-9999, as common/time_format.h writes it for rows,
// parses back to itself on the mapper's path.
TEST(FastTimeTest, FormattedTimestampsParseBack) {
  constexpr int64_t kMin = -62135596800000000;  // 0001-01-01T00:00:00.000000Z
  constexpr int64_t kMax = 253402300799999999;  // 9999-12-31T23:59:59.999999Z
  std::vector<int64_t> values = {0,
                                 -1,
                                 1,
                                 86400000000 - 1,
                                 86400000000,
                                 -86400000000,
                                 951782400000000,  // 2000-02-29
                                 kMin,
                                 kMax};
  uint64_t x = 88172645463325252ull;  // xorshift: a spread over the years
  for (int i = 0; i < 10000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    values.push_back(kMin + static_cast<int64_t>(x % uint64_t{kMax - kMin + 1}));
  }
  for (const int64_t micros : values) {
    std::string text;
    AppendUnixMicrosTimestamp(&text, micros);
    EXPECT_EQ(ParseTimestampMicros(text), micros) << text;
  }
}

// WriteCompactJsonAsString's one pass over padded strings: for every length
// and position of a character that needs escaping, either exactly what
// String() of the compact text writes, or false when escaping is needed.
TEST(CompactJsonAsStringTest, MatchesStringOfTheCompactText) {
  simdjson::dom::parser parser;
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t at = 0; at <= n; ++at) {
      // JSON escapes: the string holds a quote, a backslash, a newline, DEL,
      // a non-ASCII letter, a slash.
      for (const std::string special :
           {R"(\")", R"(\\)", R"(\n)", R"(\u007f)", R"(\u00e9)", R"(\/)"}) {
        std::string s(n, 'y');
        std::string json = "[\"" + s.substr(0, at);
        const bool plain = at == n || special == R"(\u007f)" || special == R"(\/)";
        if (at < n) json += special + s.substr(at + 1);
        json += "\",{\"k" + s + "\":[1,2.5,true,null]}]";
        simdjson::dom::element doc;
        ASSERT_FALSE(parser.parse(json).get(doc)) << json;
        std::string compact, want;
        AppendCompactJson(doc, &compact);
        {
          JsonWriter w(&want);
          w.String(compact);
        }
        std::string got;
        bool written;
        {
          JsonWriter w(&got);
          written = WriteCompactJsonAsString(doc, w);
        }
        EXPECT_EQ(written, plain) << json;
        if (written) EXPECT_EQ(got, want) << json;
      }
    }
  }
}

TEST(FastTextTest, NameHashIsDeterministic) {
  EXPECT_EQ(NameHash("context_ip"), NameHash(std::string("context_") + "ip"));
  EXPECT_NE(NameHash("a"), NameHash("b"));
}

}  // namespace
}  // namespace opentrack::warehouse_schema::internal
