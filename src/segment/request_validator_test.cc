// ValidateRequest against its specification, ParseRequest: every case must
// get the same answer from both, and valid JSON must be answered without the
// DOM (internal::ValidateWithStructuralIndex alone).
#include "segment/request_validator.h"

#include <fstream>
#include <string>
#include <vector>

#include "common/error_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "segment/test_util.h"

namespace opentrack::segment {
namespace {

using ::opentrack::segment::testing::Context;
using ::opentrack::segment::testing::SampleLines;

// Asserts that ValidateRequest and ParseRequest agree on `body`, and that the
// fast path answered alone exactly when the body is valid JSON.
void ExpectAgrees(std::string_view body, Endpoint endpoint, const Limits& limits = {},
                  const RequestContext& context = Context()) {
  SCOPED_TRACE(std::string(body.substr(0, 300)));
  const absl::StatusOr<ParsedRequest> parsed = ParseRequest(body, endpoint, context, limits);
  const absl::StatusOr<ValidatedRequest> validated =
      ValidateRequest(body, endpoint, context, limits);
  ASSERT_EQ(validated.ok(), parsed.ok()) << (parsed.ok() ? validated.status() : parsed.status());
  const bool invalid_json = !parsed.ok() && ErrorCode(parsed.status()) == "invalid_json";
  EXPECT_EQ(internal::ValidateWithStructuralIndex(body, endpoint, context, limits).has_value(),
            !invalid_json);
  if (!parsed.ok()) {
    EXPECT_EQ(validated.status().code(), parsed.status().code());
    EXPECT_EQ(ErrorCode(validated.status()), ErrorCode(parsed.status()));
    EXPECT_EQ(validated.status().message(), parsed.status().message());
    return;
  }
  EXPECT_EQ(validated->write_key, parsed->write_key);
  EXPECT_EQ(validated->accepted, parsed->accepted.size());
  ASSERT_EQ(validated->rejected.size(), parsed->rejected.size());
  for (size_t i = 0; i < parsed->rejected.size(); ++i) {
    EXPECT_EQ(validated->rejected[i].index, parsed->rejected[i].index);
    EXPECT_EQ(validated->rejected[i].code, parsed->rejected[i].code);
    EXPECT_EQ(validated->rejected[i].message, parsed->rejected[i].message);
  }
}

// The codes ValidateRequest gives the items of {"batch":[items...]}.
std::vector<std::string> BatchCodes(const std::vector<std::string>& items,
                                    const Limits& limits = {}) {
  std::string body = R"({"batch":[)";
  for (size_t i = 0; i < items.size(); ++i) body += (i > 0 ? "," : "") + items[i];
  body += "]}";
  ExpectAgrees(body, Endpoint::kBatch, limits);
  const absl::StatusOr<ValidatedRequest> validated =
      ValidateRequest(body, Endpoint::kBatch, Context(), limits);
  std::vector<std::string> codes(items.size(), "ok");
  if (!validated.ok()) return {validated.status().ToString()};
  for (const RejectedEvent& r : validated->rejected) codes.at(r.index) = r.code;
  return codes;
}

TEST(ValidateRequest, EveryRejectionCode) {
  const std::string hundred_and_one(101, 'm');
  Limits limits;
  limits.max_batch_events = 30;
  limits.max_event_bytes = 200;
  const std::vector<std::string> items = {
      R"(5)",
      R"({"userId":"u","event":"E"})",
      R"({"type":7,"userId":"u","event":"E"})",
      R"({"type":"tracks","userId":"u","event":"E"})",
      R"({"type":"track","messageId":true,"userId":"u","event":"E"})",
      R"({"type":"track","messageId":")" + hundred_and_one + R"(","userId":"u","event":"E"})",
      R"({"type":"track","userId":[],"event":"E"})",
      R"({"type":"track","anonymousId":{},"event":"E"})",
      R"({"type":"track","event":"E"})",
      R"({"type":"track","userId":"u"})",
      R"({"type":"track","userId":"u","event":""})",
      R"({"type":"group","userId":"u"})",
      R"({"type":"group","userId":"u","groupId":false})",
      R"({"type":"alias","userId":"u"})",
      R"({"type":"alias","userId":"u","previousId":[1]})",
      R"({"type":"page","userId":"u","name":1})",
      R"({"type":"page","userId":"u","category":{}})",
      R"({"type":"track","userId":"u","event":"E","context":[]})",
      R"({"type":"track","userId":"u","event":"E","properties":"p"})",
      R"({"type":"identify","userId":"u","traits":1})",
      R"({"type":"track","userId":"u","event":"E","integrations":true})",
      R"({"type":"track","userId":"u","event":"E","timestamp":5})",
      R"({"type":"track","userId":"u","event":"E","sentAt":"yesterday"})",
      R"({"type":"track","userId":"u","event":"E","sentAt":"9999-12-31T00:00:00Z",)"
      R"("originalTimestamp":"0001-01-01T00:00:00Z"})",
      R"({"type":"track","userId":"u","event":"E","properties":{"p":")" + std::string(200, 'x') +
          R"("}})",
      R"({"type":"screen","anonymousId":12,"name":"n"})",
  };
  std::vector<std::string> all = items;
  for (int i = 0; i < 6; ++i) all.push_back(R"({"type":"track","userId":"u","event":"E"})");
  EXPECT_THAT(
      BatchCodes(all, limits),
      ::testing::ElementsAre(
          "invalid_event", "invalid_type", "invalid_type", "invalid_type", "invalid_message_id",
          "invalid_message_id", "invalid_user_id", "invalid_anonymous_id", "no_user_anon_id",
          "missing_event", "missing_event", "missing_group_id", "invalid_group_id",
          "missing_previous_id", "invalid_previous_id", "invalid_name", "invalid_category",
          "invalid_context", "invalid_properties", "invalid_traits", "invalid_integrations",
          "invalid_timestamp", "invalid_timestamp", "invalid_timestamp", "event_too_large", "ok",
          "ok", "ok", "ok", "ok", "batch_too_large", "batch_too_large"));
}

TEST(ValidateRequest, SingleCalls) {
  ExpectAgrees(R"({"userId":"u","event":"E","writeKey":"k"})", Endpoint::kTrack);
  ExpectAgrees(R"({"type":"identify","userId":"u"})", Endpoint::kTrack);
  ExpectAgrees(R"({"type":5,"userId":"u"})", Endpoint::kIdentify);
  ExpectAgrees(R"({"userId":"u","traits":{"a":1}})", Endpoint::kIdentify);
  ExpectAgrees(R"({"userId":"u","groupId":12})", Endpoint::kGroup);
  ExpectAgrees(R"({"userId":"u","previousId":1.5})", Endpoint::kAlias);
  ExpectAgrees(R"({"userId":"u","traits":[]})", Endpoint::kAlias);
  ExpectAgrees(R"({"anonymousId":"a","name":"n","category":"c"})", Endpoint::kPage);
  ExpectAgrees(R"({"anonymousId":"a","properties":5})", Endpoint::kScreen);
  ExpectAgrees(R"({})", Endpoint::kTrack);
  ExpectAgrees(R"({"batch":[]})", Endpoint::kTrack);
}

TEST(ValidateRequest, WholeRequestErrors) {
  Limits limits;
  limits.max_event_bytes = 40;
  limits.max_batch_bytes = 60;
  ExpectAgrees(R"({"userId":"u","event":"E","properties":{"a":1}})", Endpoint::kTrack, limits);
  ExpectAgrees(R"({"batch":[{"type":"track","userId":"u","event":"E","p":1}]})", Endpoint::kBatch,
               limits);
  for (const char* body :
       {"",     " ",          "{",          "}",     "[1]",        "\"s\"",     "12",
        "true", "null",       "{}}",        "{} {}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}",
        "[1,]", "{\"a\":[1}", "{\"a\":{]}", "{1:2}", "{\"a\"}",    "\xff"}) {
    for (Endpoint endpoint : {Endpoint::kTrack, Endpoint::kBatch}) ExpectAgrees(body, endpoint);
  }
  for (const char* body :
       {R"({})", R"({"batch":5})", R"({"batch":null,"batch":[]})", R"({"b":[]})",
        R"({"batch":[],"context":5})", R"({"batch":[],"integrations":[]})",
        R"({"batch":[],"context":null,"integrations":{}})", R"({"batch":[],"sentAt":5})",
        R"({"batch":[],"sentAt":"nope"})", R"({"batch":[],"sentAt":"2024-01-01"})",
        R"({"batch":[],"sentAt":null,"sentAt":"2024-01-01T00:00:00Z"})",
        R"({"context":1,"batch":2})", R"({"batch":[],"context":1,"sentAt":"x"})",
        R"({"batch":[],"sentAt":"x","context":1})"}) {
    ExpectAgrees(body, Endpoint::kBatch);
  }
}

TEST(ValidateRequest, EscapesInKeysAndValues) {
  for (const char* body : {
           R"({"b\u0061tch":[{"\u0074ype":"tr\u0061ck","userI\u0064":"\u0000","event":"\""}]})",
           R"({"batch":[{"type":"track","userId":"u","event":"\u00e9\ud83d\ude00"}],)"
           R"("writeKey":"k\n\t\/"})",
           R"({"batch":[{"type":"track","userId":"","anonymousId":"\u0020","event":"E"}]})",
           R"({"batch":[{"type":"track","userId":"u","event":"E","sentAt":)"
           R"("2024-01-01T00:00:00\u005a","timestamp":"2024\u002d01-01"}]})",
           R"({"batch":[{"type":"track","userId":"u","event":"E","messageId":")"
           R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9)"
           R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9)"
           R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9)"
           R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9)"
           R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9)"
           R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9)"
           R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9)"
           R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9)"
           R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9)"
           R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9x"}]})",
           R"({"batch":[{"type":"\u0074\u0072\u0061\u0063\u006bx","userId":"u","event":"E"}]})",
       }) {
    ExpectAgrees(body, Endpoint::kBatch);
  }
  // Escapes stage 2 rejects.
  for (const char* value :
       {R"("\x")", R"("\u12")", R"("\u12g4")", R"("\ud800")", R"("\ud800x")", R"("\ud800\u0041")",
        R"("\udc00")", R"("\ud800\udc00")", R"("\U0041")", R"("a\)"}) {
    const std::string body =
        std::string(R"({"userId":"u","event":"E","properties":{"k":)") + value + "}}";
    ExpectAgrees(body, Endpoint::kTrack);
    ExpectAgrees(std::string(R"({"userId":"u","event":"E",)") + value + ":1}", Endpoint::kTrack);
  }
  // Stage 1's own checks: control characters in strings, UTF-8.
  ExpectAgrees("{\"userId\":\"u\x01\",\"event\":\"E\"}", Endpoint::kTrack);
  ExpectAgrees("{\"userId\":\"u\xc3\",\"event\":\"E\"}", Endpoint::kTrack);
  ExpectAgrees("{\"userId\":\"u\",\"event\":\"E", Endpoint::kTrack);
}

TEST(ValidateRequest, DuplicateKeysAndNulls) {
  for (const char* body : {
           R"({"batch":[{"type":null,"type":"track","userId":"u","event":"E"}]})",
           R"({"batch":[{"type":"track","type":"nope","userId":"u","event":"E"}]})",
           R"({"batch":[{"type":"track","userId":null,"event":"E"}]})",
           R"({"batch":[{"type":"track","userId":null,"userId":"u","event":"E"}]})",
           R"({"batch":[{"type":"track","userId":"u","event":null,"event":5}]})",
           R"({"batch":[{"type":"track","userId":"u","event":"E","context":null,"context":1}]})",
           R"({"writeKey":null,"writeKey":"k","batch":[{"writeKey":"i"}]})",
           R"({"writeKey":5,"batch":[{"writeKey":"i"}]})",
           R"({"writeKey":"","batch":[5,{"writeKey":""},{"writeKey":null,"writeKey":"a"},)"
           R"({"writeKey":"b"}]})",
           R"({"batch":[{"type":"track","userId":"u","event":"E"}],"batch":7})",
           R"({"sentAt":"2024-01-01T00:00:00Z","sentAt":"2023-01-01T00:00:00Z","batch":[)"
           R"({"type":"track","userId":"u","event":"E","timestamp":"2023-01-01T00:00:00Z"}]})",
       }) {
    ExpectAgrees(body, Endpoint::kBatch);
  }
  // The write key of items past the limit is not read.
  Limits limits;
  limits.max_batch_events = 1;
  ExpectAgrees(R"({"batch":[{},{"writeKey":"late"}]})", Endpoint::kBatch, limits);
  ExpectAgrees(R"({"writeKey":"k","writeKey":"l","userId":"u","event":"E"})", Endpoint::kTrack);
}

// The batch-level sentAt that wins (the last) corrects the items' timestamps.
TEST(ValidateRequest, BatchSentAtCorrectsTimestamps) {
  ExpectAgrees(R"({"sentAt":"0001-01-01T00:00:00Z","sentAt":"2024-01-01T00:00:00Z","batch":[)"
               R"({"type":"track","userId":"u","event":"E","timestamp":"9999-01-01"}]})",
               Endpoint::kBatch);
  ExpectAgrees(R"({"sentAt":"2024-01-01T00:00:00Z","sentAt":"0001-01-01T00:00:00Z","batch":[)"
               R"({"type":"track","userId":"u","event":"E","timestamp":"9999-01-01"}]})",
               Endpoint::kBatch);
}

TEST(ValidateRequest, Depth) {
  for (size_t max_depth : {1, 2, 3, 4, 5, 64}) {
    Limits limits;
    limits.max_depth = max_depth;
    for (int depth = 0; depth < 8; ++depth) {
      const std::string nested = std::string(depth, '[') + "1" + std::string(depth, ']');
      const std::string empty = std::string(depth, '[') + std::string(depth, ']');
      for (const std::string& value : {nested, empty}) {
        ExpectAgrees(R"({"userId":"u","event":"E","properties":{"x":)" + value + "}}",
                     Endpoint::kTrack, limits);
      }
    }
    ExpectAgrees("{}", Endpoint::kTrack, limits);
    ExpectAgrees(R"({"batch":[{}]})", Endpoint::kBatch, limits);
  }
  ExpectAgrees(std::string(70, '[') + std::string(70, ']'), Endpoint::kTrack);
}

TEST(ValidateRequest, Numbers) {
  for (const char* number : {"0",
                             "-0",
                             "1",
                             "-1",
                             "1.5",
                             "-0.0",
                             "0.5",
                             "1e5",
                             "1E+5",
                             "1e-5",
                             "-1.5e3",
                             "1e-400",
                             "1e400",
                             "-1e400",
                             "1e308",
                             "2e308",
                             "9223372036854775807",
                             "9223372036854775808",
                             "-9223372036854775808",
                             "-9223372036854775809",
                             "18446744073709551615",
                             "18446744073709551616",
                             "123456789012345678901234567890",
                             "1.0000000000000000000000000000000000001",
                             "0.000000000000000000000000000000000000001",
                             "123456789012345678.5",
                             "01",
                             "-01",
                             "00",
                             "1.",
                             "-",
                             ".5",
                             "1.e5",
                             "1e",
                             "1e+",
                             "+1",
                             "0x1",
                             "1x",
                             "1.5.5",
                             "--1",
                             "1e5e5",
                             "NaN",
                             "Infinity",
                             "-Infinity",
                             "1 2"}) {
    SCOPED_TRACE(number);
    const std::string n = number;
    ExpectAgrees(R"({"userId":"u","event":"E","properties":{"n":)" + n + "}}", Endpoint::kTrack);
    ExpectAgrees(R"({"userId":)" + n + R"(,"event":"E","messageId":)" + n + "}", Endpoint::kTrack);
    ExpectAgrees(R"({"batch":[)" + n + "]}", Endpoint::kBatch);
    ExpectAgrees(n, Endpoint::kTrack);
  }
}

TEST(ValidateRequest, Literals) {
  for (const char* literal : {"true", "false", "null", "tru", "nul", "fals", "truex", "True",
                              "nulll", "t", "n", "f", "true1", "null-"}) {
    SCOPED_TRACE(literal);
    const std::string l = literal;
    ExpectAgrees(R"({"userId":"u","event":"E","properties":{"b":)" + l + "}}", Endpoint::kTrack);
    ExpectAgrees(R"({"userId":"u","event":"E","properties":{"b":[)" + l + "]}}", Endpoint::kTrack);
    ExpectAgrees(R"({"batch":[)" + l + "," + l + "]}", Endpoint::kBatch);
    ExpectAgrees(l, Endpoint::kTrack);
    ExpectAgrees(l + " ", Endpoint::kTrack);
  }
}

TEST(ValidateRequest, Whitespace) {
  for (const char* body : {
           " \n{ \"batch\" : [ { \"type\" : \"track\" , \"userId\" : \"u\" , \"event\" : \"E\" "
           "} , 5 , { } ] , \"writeKey\" : \"k\" }\r\n\t",
           "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"context\":\n{"
           "\"a\" :\t[1 ,2]} }]}",
           "\t{\"batch\":[]}\n\n",
       }) {
    ExpectAgrees(body, Endpoint::kBatch);
    Limits limits;
    limits.max_event_bytes = 50;
    ExpectAgrees(body, Endpoint::kBatch, limits);
  }
}

// Padding past the body's end lets both parse in place.
TEST(ValidateRequest, BodyWithPadding) {
  std::string buffer = R"({"batch":[{"type":"track","userId":"u","event":"E"}]})";
  const size_t size = buffer.size();
  buffer.append(64, 'x');
  RequestContext context = Context();
  context.body_readable_after_end = 64;
  ExpectAgrees(std::string_view(buffer).substr(0, size), Endpoint::kBatch, {}, context);
  ExpectAgrees(std::string_view(buffer).substr(0, size - 1), Endpoint::kBatch, {}, context);
}

// A number that ends the body ends there, whatever the padding after it
// holds (the fuzzer's first find: "40." followed by digits).
TEST(ValidateRequest, NumberAtTheEndIgnoresThePadding) {
  for (const char* number : {"40.", "40", "4", "-", "0.5", "1e", "00"}) {
    SCOPED_TRACE(number);
    const std::string body = number;
    const std::string buffer = body + std::string(64, '5');
    RequestContext context = Context();
    context.body_readable_after_end = 64;
    ExpectAgrees(std::string_view(buffer).substr(0, body.size()), Endpoint::kTrack, {}, context);
  }
}

TEST(ValidateRequest, SampleAsBatchesOf100) {
  const std::vector<std::string> lines = SampleLines();
  if (lines.empty()) GTEST_SKIP() << "no sample at " << OPENTRACK_SAMPLE_EVENTS;
  for (size_t first = 0; first < lines.size(); first += 100) {
    std::string body = R"({"batch":[)";
    for (size_t i = first; i < std::min(first + 100, lines.size()); ++i) {
      body += (i > first ? "," : "") + lines[i];
    }
    body += R"(],"writeKey":"wk"})";
    ExpectAgrees(body, Endpoint::kBatch, {}, Context("203.0.113.7"));
    const absl::StatusOr<ValidatedRequest> validated =
        ValidateRequest(body, Endpoint::kBatch, Context("203.0.113.7"));
    ASSERT_TRUE(validated.ok());
    EXPECT_EQ(validated->accepted, std::min<size_t>(100, lines.size() - first));
  }
}

}  // namespace
}  // namespace opentrack::segment
