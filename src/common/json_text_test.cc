#include "common/json_text.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace opentrack {
namespace {

std::string Quote(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(JsonTextTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Quote("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\u0001")");
}

TEST(JsonTextTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quote("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  EXPECT_EQ(Quote("a\xFF"
                  "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(Quote("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // overlong slash
}

TEST(JsonTextTest, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8("\xE6\x97\xA5\xE6\x9C\xAC"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE6\x97"));      // truncated
}

TEST(JsonTextTest, DoublesRoundTripAndNonFiniteBecomeStrings) {
  std::string out;
  AppendJsonDouble(&out, 99.99);
  out.push_back(',');
  AppendJsonDouble(&out, std::numeric_limits<double>::quiet_NaN());
  out.push_back(',');
  AppendJsonDouble(&out, -std::numeric_limits<double>::infinity());
  out.push_back(',');
  AppendJsonInt(&out, -9223372036854775807LL - 1);
  EXPECT_EQ(out, "99.99,\"NaN\",\"-Infinity\",-9223372036854775808");
}

}  // namespace
}  // namespace opentrack
