// The shared sample of 1,000 real-shaped Segment events must parse with zero
// rejections, both as single calls and as one batch, without losing values.
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "segment/request_parser.h"
#include "segment/test_util.h"
#include "simdjson.h"

namespace opentrack::segment {
namespace {

using ::opentrack::segment::testing::Context;
using ::opentrack::segment::testing::SampleLines;

Endpoint EndpointOf(std::string_view type) { return *EndpointFromPath("/v1/" + std::string(type)); }

// Each input field the normalized event must carry over verbatim (minified).
void ExpectSameValues(simdjson::dom::element input, simdjson::dom::element output) {
  for (const char* key : {"messageId", "anonymousId", "userId", "event", "name", "category",
                          "groupId", "properties", "traits", "integrations"}) {
    simdjson::dom::element in_value;
    if (input.at_key(key).get(in_value) != simdjson::SUCCESS) continue;
    simdjson::dom::element out_value;
    ASSERT_EQ(output.at_key(key).get(out_value), simdjson::SUCCESS) << key;
    EXPECT_EQ(simdjson::minify(out_value), simdjson::minify(in_value)) << key;
  }
  // context gains nothing: every sample event has its own ip.
  EXPECT_EQ(simdjson::minify(output["context"]), simdjson::minify(input["context"]));
}

TEST(SampleData, EachLineAsASingleCall) {
  const std::vector<std::string> lines = SampleLines();
  if (lines.empty()) GTEST_SKIP() << "no sample at " << OPENTRACK_SAMPLE_EVENTS;
  ASSERT_EQ(lines.size(), 1000u);
  simdjson::dom::parser input_parser, output_parser;
  for (const std::string& line : lines) {
    simdjson::dom::element input = input_parser.parse(line);
    std::string_view type = input["type"].get_string();
    absl::StatusOr<ParsedRequest> parsed =
        ParseRequest(line, EndpointOf(type), Context("203.0.113.7"));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_TRUE(parsed->rejected.empty())
        << parsed->rejected[0].code << ": " << parsed->rejected[0].message << "\n"
        << line;
    ASSERT_EQ(parsed->accepted.size(), 1u);
    simdjson::dom::element output;
    ASSERT_EQ(output_parser.parse(parsed->accepted[0].json).get(output), simdjson::SUCCESS)
        << parsed->accepted[0].json;
    ExpectSameValues(input, output);
  }
}

TEST(SampleData, AllLinesAsOneBatch) {
  const std::vector<std::string> lines = SampleLines();
  if (lines.empty()) GTEST_SKIP() << "no sample at " << OPENTRACK_SAMPLE_EVENTS;
  std::string body = R"({"writeKey":"wk","batch":[)";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) body += ",";
    body += lines[i];
  }
  body += "]}";
  Limits limits;
  limits.max_batch_bytes = body.size();  // the whole sample is ~1.9 MB
  absl::StatusOr<ParsedRequest> parsed =
      ParseRequest(body, Endpoint::kBatch, Context("203.0.113.7"), limits);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->write_key, "wk");
  EXPECT_TRUE(parsed->rejected.empty());
  ASSERT_EQ(parsed->accepted.size(), lines.size());
  simdjson::dom::parser input_parser, output_parser;
  for (size_t i = 0; i < lines.size(); ++i) {
    simdjson::dom::element input = input_parser.parse(lines[i]);
    simdjson::dom::element output = output_parser.parse(parsed->accepted[i].json);
    ExpectSameValues(input, output);
  }
}

}  // namespace
}  // namespace opentrack::segment
