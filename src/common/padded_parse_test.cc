#include "common/padded_parse.h"

#include <string>

#include "gtest/gtest.h"

namespace opentrack {
namespace {

// Copied or in place, the same document; the bytes after the text (which
// would change it if they were read as part of it) are never used.
TEST(ParsePaddedTest, InPlaceAndCopiedGiveTheSameDocument) {
  const std::string json = R"({"a":[1,"x"],"b":{"c":null}})";
  const std::string padded = json + std::string(simdjson::SIMDJSON_PADDING, '"') + "]";
  simdjson::dom::parser parser;
  std::string scratch;
  for (const size_t readable : {size_t{0}, padded.size() - json.size()}) {
    simdjson::dom::element doc;
    ASSERT_EQ(ParsePadded(parser, std::string_view(padded.data(), json.size()), readable, &scratch)
                  .get(doc),
              simdjson::SUCCESS)
        << readable;
    EXPECT_EQ(simdjson::minify(doc), json) << readable;
  }
  EXPECT_GE(scratch.size(), json.size() + simdjson::SIMDJSON_PADDING);  // the copy was used once
  simdjson::dom::element doc;
  EXPECT_NE(ParsePadded(parser, "{\"a\":", 0, &scratch).get(doc), simdjson::SUCCESS);
}

}  // namespace
}  // namespace opentrack
