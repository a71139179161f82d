// Request-level behaviour: endpoints, whole-request errors, size limits, batches.
#include "segment/request_parser.h"

#include <string>

#include "common/error_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "segment/test_util.h"
#include "simdjson.h"

namespace opentrack::segment {
namespace {

using ::opentrack::segment::testing::Context;
using ::opentrack::segment::testing::Parse;
using ::testing::HasSubstr;

// Asserts a whole-request failure with `code` and a message containing `fragment`.
void ExpectRequestError(std::string_view body, Endpoint endpoint, std::string_view code,
                        std::string_view fragment, const Limits& limits = {}) {
  absl::StatusOr<ParsedRequest> parsed = ParseRequest(body, endpoint, Context(), limits);
  ASSERT_FALSE(parsed.ok()) << body.substr(0, 200);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorCode(parsed.status()), code);
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(std::string(fragment)));
}

std::string Nested(int depth) {
  return R"({"userId":"u","event":"E","properties":{"x":)" + std::string(depth, '[') +
         std::string(depth, ']') + "}}";
}

TEST(EndpointFromPath, LongShortAndTrailingSlash) {
  struct Case {
    const char* path;
    Endpoint endpoint;
  };
  for (const Case& c : {Case{"/v1/track", Endpoint::kTrack}, Case{"/v1/t", Endpoint::kTrack},
                        Case{"/v1/identify", Endpoint::kIdentify},
                        Case{"/v1/i", Endpoint::kIdentify}, Case{"/v1/page", Endpoint::kPage},
                        Case{"/v1/p", Endpoint::kPage}, Case{"/v1/screen", Endpoint::kScreen},
                        Case{"/v1/s", Endpoint::kScreen}, Case{"/v1/group", Endpoint::kGroup},
                        Case{"/v1/g", Endpoint::kGroup}, Case{"/v1/alias", Endpoint::kAlias},
                        Case{"/v1/a", Endpoint::kAlias}, Case{"/v1/batch", Endpoint::kBatch},
                        Case{"/v1/import", Endpoint::kBatch}, Case{"/v1/b", Endpoint::kBatch},
                        Case{"/v1/track/", Endpoint::kTrack}, Case{"/v1/b/", Endpoint::kBatch}}) {
    EXPECT_EQ(EndpointFromPath(c.path), c.endpoint) << c.path;
  }
  for (const char* path : {"", "/", "/v1", "/v1/", "/v1/tracks", "/v2/track", "/v1/track//",
                           "v1/track", "/v1/T", "/v1/track?x=1"}) {
    EXPECT_EQ(EndpointFromPath(path), std::nullopt) << path;
  }
}

TEST(EventTypeName, RoundTrips) {
  EXPECT_EQ(EventTypeName(EventType::kTrack), "track");
  EXPECT_EQ(EventTypeName(EventType::kAlias), "alias");
  for (EventType t : {EventType::kTrack, EventType::kIdentify, EventType::kPage, EventType::kScreen,
                      EventType::kGroup, EventType::kAlias}) {
    EXPECT_EQ(EventTypeFromName(EventTypeName(t)), t);
  }
  EXPECT_EQ(EventTypeFromName("Track"), std::nullopt);
}

// A body with simdjson's padding after it is parsed in place: the same events
// as from the copy, and the bytes after the body (here quotes and brackets,
// which would change the document if they were read as part of it) unused.
TEST(ParseRequest, BodyWithPaddingIsParsedInPlace) {
  const std::string body =
      R"({"batch":[{"type":"track","messageId":"m1","userId":"u1","event":"A",)"
      R"("properties":{"x": [1, "y"]}},{"type":"identify","messageId":"m2",)"
      R"("anonymousId":"a2","traits":{"name":"N"}}],"context":{"k":1}})";
  const std::string padded = body + std::string(simdjson::SIMDJSON_PADDING, '"') + "]}";
  RequestContext in_place = Context();
  in_place.body_readable_after_end = padded.size() - body.size();
  const ParsedRequest copied = Parse(body, Endpoint::kBatch);
  const ParsedRequest direct =
      Parse(std::string_view(padded.data(), body.size()), Endpoint::kBatch, in_place);
  ASSERT_EQ(direct.accepted.size(), 2u);
  ASSERT_EQ(copied.accepted.size(), 2u);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(direct.accepted[i].json, copied.accepted[i].json);
  EXPECT_TRUE(direct.rejected.empty());
}

TEST(ParseRequest, InvalidJson) {
  ExpectRequestError("", Endpoint::kTrack, "invalid_json", "invalid JSON: empty body");
  ExpectRequestError("{\"userId\":", Endpoint::kTrack, "invalid_json", "invalid JSON");
  ExpectRequestError("{\"a\":1} trailing", Endpoint::kBatch, "invalid_json", "invalid JSON");
  ExpectRequestError("{\"userId\":\"\xff\xfe\",\"event\":\"E\"}", Endpoint::kTrack, "invalid_json",
                     "invalid UTF-8");
  ExpectRequestError("{\"userId\":\"\xed\xa0\x80\"}", Endpoint::kTrack, "invalid_json",
                     "invalid UTF-8");  // a UTF-16 surrogate
}

TEST(ParseRequest, HugeNumbers) {
  ExpectRequestError(R"({"userId":"u","event":"E","properties":{"x":1e400}})", Endpoint::kTrack,
                     "invalid_json", "number out of range");
  ExpectRequestError(R"({"userId":"u","event":"E","properties":{"x":18446744073709551616}})",
                     Endpoint::kTrack, "invalid_json", "number out of range");
  ParsedRequest ok = Parse(R"({"userId":"u","event":"E","properties":{"x":18446744073709551615}})",
                           Endpoint::kTrack);
  ASSERT_EQ(ok.accepted.size(), 1u);
  EXPECT_THAT(ok.accepted[0].json, HasSubstr(R"("properties":{"x":18446744073709551615})"));
}

TEST(ParseRequest, DeepNesting) {
  ExpectRequestError(Nested(1000), Endpoint::kTrack, "invalid_json",
                     "invalid JSON: nesting deeper than 64 levels");
  // The body object is level 1 and properties level 2: 62 more levels fit.
  EXPECT_EQ(Parse(Nested(62), Endpoint::kTrack).accepted.size(), 1u);
  ExpectRequestError(Nested(63), Endpoint::kTrack, "invalid_json", "nesting deeper than 64");
  // The depth limit is per call; the per-thread parser is reconfigured.
  Limits shallow;
  shallow.max_depth = 3;
  ExpectRequestError(Nested(2), Endpoint::kTrack, "invalid_json", "nesting deeper than 3", shallow);
  EXPECT_EQ(Parse(Nested(62), Endpoint::kTrack).accepted.size(), 1u);
}

TEST(ParseRequest, BodyMustBeAnObject) {
  ExpectRequestError("[1]", Endpoint::kTrack, "invalid_body",
                     "body must be a JSON object, got array");
  ExpectRequestError("\"x\"", Endpoint::kBatch, "invalid_body", "got string");
  ExpectRequestError("null", Endpoint::kTrack, "invalid_body", "got null");
}

TEST(ParseRequest, BatchNeedsBatchArray) {
  ExpectRequestError("{}", Endpoint::kBatch, "invalid_batch", "batch body needs a `batch` array");
  ExpectRequestError(R"({"batch":{}})", Endpoint::kBatch, "invalid_batch", "`batch` array");
  ExpectRequestError(R"({"batch":[],"context":[]})", Endpoint::kBatch, "invalid_batch",
                     "batch-level `context` must be an object, got array");
  ExpectRequestError(R"({"batch":[],"integrations":1})", Endpoint::kBatch, "invalid_batch",
                     "batch-level `integrations` must be an object, got number");
  ExpectRequestError(R"({"batch":[],"sentAt":"soon"})", Endpoint::kBatch, "invalid_batch",
                     "batch-level `sentAt` is not an ISO-8601 date-time string");
  ParsedRequest empty = Parse(R"({"batch":[],"context":null})", Endpoint::kBatch);
  EXPECT_TRUE(empty.accepted.empty());
  EXPECT_TRUE(empty.rejected.empty());
}

// A track body of exactly `size` bytes.
std::string TrackOfSize(size_t size) {
  std::string body = R"({"userId":"u","event":"E","properties":{"pad":""}})";
  body.insert(body.size() - 3, std::string(size - body.size(), 'x'));
  return body;
}

TEST(ParseRequest, SingleEventLimit32KB) {
  EXPECT_EQ(Parse(TrackOfSize(32 * 1024), Endpoint::kTrack).accepted.size(), 1u);
  ExpectRequestError(TrackOfSize(32 * 1024 + 1), Endpoint::kTrack, "payload_too_large",
                     "body is 32769 bytes; the limit for a single event is 32768 bytes");
}

// A batch of `count` small track events.
std::string BatchOf(size_t count, std::string_view item) {
  std::string body = R"({"batch":[)";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) body += ",";
    body += item;
  }
  return body + "]}";
}

TEST(ParseRequest, BatchLimit500KB) {
  const std::string item = R"({"type":"track","userId":"u","event":"E"})";
  std::string body = BatchOf(100, item);
  body.insert(body.size() - 1, std::string(500 * 1024 - body.size(), ' '));
  ASSERT_EQ(body.size(), 500u * 1024);
  EXPECT_EQ(Parse(body, Endpoint::kBatch).accepted.size(), 100u);
  body.insert(body.size() - 1, " ");
  ExpectRequestError(body, Endpoint::kBatch, "payload_too_large",
                     "body is 512001 bytes; the limit for a batch is 512000 bytes");
}

TEST(ParseRequest, BatchItemLimit32KB) {
  const std::string small = R"({"type":"track","userId":"u","event":"E"})";
  const std::string big = R"({"type":"track","userId":"u","event":"E","properties":{"p":")" +
                          std::string(33 * 1024, 'x') + "\"}}";
  ParsedRequest parsed = Parse(R"({"context":{"c":")" + std::string(2000, 'c') + R"("},"batch":[)" +
                                   small + "," + big + "," + small + "]}",
                               Endpoint::kBatch);
  EXPECT_EQ(parsed.accepted.size(), 2u);
  ASSERT_EQ(parsed.rejected.size(), 1u);
  EXPECT_EQ(parsed.rejected[0].index, 1u);
  EXPECT_EQ(parsed.rejected[0].code, "event_too_large");
  EXPECT_EQ(parsed.rejected[0].message,
            "event is " + std::to_string(big.size()) + " bytes; the limit is 32768 bytes");
}

TEST(ParseRequest, BatchContextDoesNotCountTowardsTheItemLimit) {
  Limits limits;
  limits.max_event_bytes = 400;
  ParsedRequest parsed =
      Parse(R"({"context":{"c":")" + std::string(1000, 'c') +
                R"("},"batch":[{"type":"track","userId":"u","event":"E","messageId":"m"}]})",
            Endpoint::kBatch, Context("203.0.113.7"), limits);
  ASSERT_EQ(parsed.accepted.size(), 1u);
  EXPECT_GT(parsed.accepted[0].json.size(), 1000u);
}

// The limit is Segment's 32 KB per event, applied to the item as sent: from
// its '{' to its '}', whitespace and escapes included.
TEST(ParseRequest, ItemLimitCountsTheItemAsSent) {
  const std::string compact =
      R"({"type":"track","userId":"u","event":"E","messageId":"m","properties":{"a":[1,2],"b":"x y"}})";
  const std::string pretty =
      "{ \"type\" : \"track\" , \"userId\" : \"u\" , \"event\" : \"E\" , \"messageId\":\"m\",\n"
      "  \"properties\" : {\n    \"a\" : [ 1 , 2 ] ,\n    \"b\" : \"x y\"\n  }\n}";
  for (const std::string& item : {compact, pretty}) {
    SCOPED_TRACE(item);
    Limits limits;
    limits.max_event_bytes = item.size();
    const std::string body = "{\"batch\":[ " + item + " ,\n" + item + "]}";
    ParsedRequest parsed = Parse(body, Endpoint::kBatch, Context(), limits);
    EXPECT_EQ(parsed.accepted.size(), 2u);
    limits.max_event_bytes = item.size() - 1;
    parsed = Parse(body, Endpoint::kBatch, Context(), limits);
    ASSERT_EQ(parsed.rejected.size(), 2u);
    EXPECT_EQ(parsed.rejected[1].index, 1u);
    EXPECT_EQ(parsed.rejected[1].code, "event_too_large");
    EXPECT_EQ(parsed.rejected[1].message, "event is " + std::to_string(item.size()) +
                                              " bytes; the limit is " +
                                              std::to_string(item.size() - 1) + " bytes");
  }
}

// The size is checked before the item's fields; non-objects and items past
// the batch limit keep their own codes.
TEST(ParseRequest, ItemLimitComesBeforeFieldChecks) {
  Limits limits;
  limits.max_event_bytes = 20;
  limits.max_batch_events = 3;
  ParsedRequest parsed =
      Parse(R"({"batch":[{"type":"nope","p":"0123456789"},"0123456789abcdefghij",)"
            R"({"userId":"u"},{"type":"nope","p":"0123456789"}]})",
            Endpoint::kBatch, Context(), limits);
  ASSERT_EQ(parsed.rejected.size(), 4u);
  EXPECT_EQ(parsed.rejected[0].code, "event_too_large");
  EXPECT_EQ(parsed.rejected[0].message, "event is 32 bytes; the limit is 20 bytes");
  EXPECT_EQ(parsed.rejected[1].code, "invalid_event");
  EXPECT_EQ(parsed.rejected[2].code, "invalid_type");
  EXPECT_EQ(parsed.rejected[3].code, "batch_too_large");
}

// A single call is limited by its body size only.
TEST(ParseRequest, ItemLimitIsForBatchItems) {
  Limits limits;
  limits.max_event_bytes = 64;
  const std::string body = R"({"userId":"u","event":"E","properties":{"p":"0123456789"}})";
  ASSERT_LE(body.size(), 64u);
  EXPECT_EQ(Parse(body, Endpoint::kTrack, Context(), limits).accepted.size(), 1u);
}

// Source texts line up with the DOM whatever precedes the items: other keys,
// an escaped "batch" key (the first one wins, as with at_key), items that are
// not objects or are past the limit.
TEST(ParseRequest, BatchItemsTakeTheirOwnObjects) {
  Limits limits;
  limits.max_batch_events = 5;
  ParsedRequest parsed =
      Parse(R"({"context":{"x":{"y":[1]}},"writeKey":"k","b\u0061tch":[1,)"
            R"({"type":"track","userId":"u","event":"E","properties":{"n":1}},[{"properties":{}}],)"
            R"("s",{"type":"track","userId":"u","event":"E","properties":{"n":2}},)"
            R"({"type":"track","userId":"u","event":"E","properties":{"n":3}}],)"
            R"("batch":[{"type":"track","userId":"u","event":"E","properties":{"n":4}}]})",
            Endpoint::kBatch, Context(), limits);
  ASSERT_EQ(parsed.accepted.size(), 2u);
  EXPECT_THAT(parsed.accepted[0].json, HasSubstr(R"("properties":{"n":1})"));
  EXPECT_THAT(parsed.accepted[1].json, HasSubstr(R"("properties":{"n":2})"));
  ASSERT_EQ(parsed.rejected.size(), 4u);
  EXPECT_EQ(parsed.rejected[3].code, "batch_too_large");
  EXPECT_EQ(parsed.rejected[3].index, 5u);

  limits.max_batch_events = 10;
  parsed = Parse(R"({"batch":[{"type":"track","userId":"u","event":"E","properties":{"n":1},)"
                 R"("properties":{"n":9}},[],{"type":"track","userId":"u","event":"E",)"
                 R"("properties":{"n":2}}]})",
                 Endpoint::kBatch, Context(), limits);
  ASSERT_EQ(parsed.accepted.size(), 2u);
  EXPECT_THAT(parsed.accepted[0].json, HasSubstr(R"("properties":{"n":1})"));
  EXPECT_THAT(parsed.accepted[1].json, HasSubstr(R"("properties":{"n":2})"));
}

TEST(ParseRequest, Batch2500EventsThenRejectedIndividually) {
  const std::string item = R"({"type":"track","userId":"u","event":"E"})";
  ParsedRequest parsed = Parse(BatchOf(2502, item), Endpoint::kBatch);
  EXPECT_EQ(parsed.accepted.size(), 2500u);
  ASSERT_EQ(parsed.rejected.size(), 2u);
  EXPECT_EQ(parsed.rejected[0].index, 2500u);
  EXPECT_EQ(parsed.rejected[1].index, 2501u);
  EXPECT_EQ(parsed.rejected[0].code, "batch_too_large");
  EXPECT_EQ(parsed.rejected[0].message,
            "batch has more than 2500 events; this one is past the limit");
}

TEST(ParseRequest, BatchItemsNeedAValidType) {
  ParsedRequest parsed =
      Parse(R"({"batch":[{"userId":"u","event":"E"},{"type":7,"userId":"u"},)"
            R"({"type":"Track","userId":"u"},"text",{"type":"page","userId":"u"}]})",
            Endpoint::kBatch);
  ASSERT_EQ(parsed.accepted.size(), 1u);
  EXPECT_EQ(parsed.accepted[0].type, EventType::kPage);
  ASSERT_EQ(parsed.rejected.size(), 4u);
  EXPECT_EQ(parsed.rejected[0].index, 0u);
  EXPECT_EQ(parsed.rejected[0].code, "invalid_type");
  EXPECT_EQ(parsed.rejected[0].message, "batch item has no `type`");
  EXPECT_EQ(parsed.rejected[1].code, "invalid_type");
  EXPECT_EQ(parsed.rejected[1].message, "`type` must be a string, got number");
  EXPECT_EQ(parsed.rejected[2].message,
            "`type` \"Track\" is not one of track, identify, page, screen, group, alias");
  EXPECT_EQ(parsed.rejected[3].index, 3u);
  EXPECT_EQ(parsed.rejected[3].code, "invalid_event");
  EXPECT_EQ(parsed.rejected[3].message, "batch item must be an object, got string");
}

TEST(ParseRequest, MixedBatchKeepsOrderAndIndexes) {
  ParsedRequest parsed = Parse(
      R"({"batch":[{"type":"identify","userId":"u","messageId":"a"},{"type":"track","userId":"u"},)"
      R"({"type":"group","userId":"u","groupId":"g","messageId":"b"},)"
      R"({"type":"alias","userId":"u","previousId":"p","messageId":"c"},)"
      R"({"type":"screen","anonymousId":"x","messageId":"d"}]})",
      Endpoint::kBatch);
  ASSERT_EQ(parsed.accepted.size(), 4u);
  EXPECT_THAT(parsed.accepted[0].json, HasSubstr(R"("messageId":"a")"));
  EXPECT_EQ(parsed.accepted[1].type, EventType::kGroup);
  EXPECT_EQ(parsed.accepted[2].type, EventType::kAlias);
  EXPECT_THAT(parsed.accepted[3].json, HasSubstr(R"("messageId":"d")"));
  ASSERT_EQ(parsed.rejected.size(), 1u);
  EXPECT_EQ(parsed.rejected[0].index, 1u);
  EXPECT_EQ(parsed.rejected[0].code, "missing_event");
}

TEST(ParseRequest, SeededMessageIdsFollowTheEventsIndex) {
  const std::string body = R"({"batch":[{"type":"track","userId":"u","event":"A"},)"
                           R"({"type":"track","userId":"u","event":"B","messageId":"mine"},)"
                           R"({"type":"track","userId":"u","event":"C"}]})";
  RequestContext context = Context();
  context.message_id_seed = UuidSeed{11, 22};
  const ParsedRequest first = Parse(body, Endpoint::kBatch, context);
  const ParsedRequest again = Parse(body, Endpoint::kBatch, context);
  ASSERT_EQ(first.accepted.size(), 3u);
  ASSERT_EQ(again.accepted.size(), 3u);
  EXPECT_THAT(first.accepted[0].json,
              HasSubstr("\"messageId\":\"" + UuidFromSeed(UuidSeed{11, 22}, 0) + "\""));
  EXPECT_THAT(first.accepted[1].json, HasSubstr(R"("messageId":"mine")"));
  EXPECT_THAT(first.accepted[2].json,
              HasSubstr("\"messageId\":\"" + UuidFromSeed(UuidSeed{11, 22}, 2) + "\""));
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(first.accepted[i].json, again.accepted[i].json);

  const ParsedRequest single = Parse(R"({"userId":"u","event":"A"})", Endpoint::kTrack, context);
  ASSERT_EQ(single.accepted.size(), 1u);
  EXPECT_THAT(single.accepted[0].json, HasSubstr(UuidFromSeed(UuidSeed{11, 22}, 0)));
}

TEST(ParseRequest, WriteKey) {
  EXPECT_EQ(Parse(R"({"writeKey":"wk1","userId":"u","event":"E"})", Endpoint::kTrack).write_key,
            "wk1");
  EXPECT_EQ(Parse(R"({"userId":"u","event":"E"})", Endpoint::kTrack).write_key, "");
  EXPECT_EQ(Parse(R"({"writeKey":5,"userId":"u","event":"E"})", Endpoint::kTrack).write_key, "");
  // Rejected events still carry their key, so the caller can authenticate first.
  EXPECT_EQ(Parse(R"({"writeKey":"wk1"})", Endpoint::kTrack).write_key, "wk1");
  EXPECT_EQ(
      Parse(R"({"writeKey":"top","batch":[{"writeKey":"item"}]})", Endpoint::kBatch).write_key,
      "top");
  // analytics.js puts the key in each item of /v1/b.
  EXPECT_EQ(
      Parse(R"({"batch":[{"type":"track"},{"writeKey":"item"}]})", Endpoint::kBatch).write_key,
      "item");
  ParsedRequest parsed = Parse(R"({"writeKey":"wk1","userId":"u","event":"E"})", Endpoint::kTrack);
  ASSERT_EQ(parsed.accepted.size(), 1u);
  EXPECT_THAT(parsed.accepted[0].json, ::testing::Not(HasSubstr("wk1")));
}

}  // namespace
}  // namespace opentrack::segment
