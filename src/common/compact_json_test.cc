#include "common/compact_json.h"

#include <string>

#include "gtest/gtest.h"

namespace opentrack {
namespace {

std::string Compact(const std::string& json, DoubleText doubles) {
  simdjson::dom::parser parser;
  simdjson::dom::element value = parser.parse(json).value();
  std::string out;
  {
    JsonWriter w(&out);
    WriteCompactJson(value, w, doubles);
  }
  return out;
}

TEST(CompactJsonTest, DropsWhitespaceAndKeepsOrder) {
  EXPECT_EQ(Compact(R"( { "b" : [ 1 , "x" , { } , [ ] ] , "a" : null , "t" : true } )",
                    DoubleText::kShortest),
            R"({"b":[1,"x",{},[]],"a":null,"t":true})");
}

TEST(CompactJsonTest, EscapesStringsMinimally) {
  EXPECT_EQ(Compact(R"(["q\"b\\s\/l\u00e9\n\u0001"])", DoubleText::kShortest),
            "[\"q\\\"b\\\\s/l\xC3\xA9\\n\\u0001\"]");
}

TEST(CompactJsonTest, NumbersExactAndShortest) {
  EXPECT_EQ(Compact("[-9223372036854775808,18446744073709551615,1.50,0.1,1e300,1.5e-7]",
                    DoubleText::kShortest),
            "[-9223372036854775808,18446744073709551615,1.5,0.1,1e+300,1.5e-07]");
}

// An integral double keeps a point only where the text must stay a double.
TEST(CompactJsonTest, IntegralDoubles) {
  const std::string json = "[1.0,-0.0,100000.0,1e22,2.5,3]";
  EXPECT_EQ(Compact(json, DoubleText::kShortest), "[1,-0,1e+05,1e+22,2.5,3]");
  EXPECT_EQ(Compact(json, DoubleText::kKeepsDouble), "[1.0,-0.0,1e+05,1e+22,2.5,3]");
}

}  // namespace
}  // namespace opentrack
