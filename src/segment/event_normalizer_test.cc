// The normalized event, field by field: docs/event-format.md.
#include "segment/event_normalizer.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "segment/test_util.h"
#include "simdjson.h"

namespace opentrack::segment {
namespace {

using ::opentrack::segment::testing::Context;
using ::opentrack::segment::testing::Normalize;
using ::opentrack::segment::testing::Parse;
using ::opentrack::segment::testing::Reject;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

// Common times: spec vector 22 (receivedAt is testing::ReceivedAt()).
constexpr char kTimes[] =
    R"("originalTimestamp":"2024-01-01T00:00:00.000Z","sentAt":"2024-01-01T00:00:10.000Z")";
constexpr char kOutTimes[] =
    R"("receivedAt":"2024-01-01T00:05:10.000000Z","sentAt":"2024-01-01T00:00:10.000000Z",)"
    R"("originalTimestamp":"2024-01-01T00:00:00.000000Z","timestamp":"2024-01-01T00:05:00.000000Z")";
constexpr char kReceivedOnly[] =
    R"("receivedAt":"2024-01-01T00:05:10.000000Z","originalTimestamp":"2024-01-01T00:05:10.000000Z",)"
    R"("timestamp":"2024-01-01T00:05:10.000000Z")";

std::string Body(std::string_view fields) { return "{" + std::string(fields) + "," + kTimes + "}"; }

TEST(NormalizeTrack, ExactOutput) {
  EXPECT_EQ(
      Normalize(Body(R"("type":"track","messageId":"m1","userId":"u1","anonymousId":"a1",)"
                     R"("event":"Signed Up","properties":{"plan":"Pro","price":9.99,)"
                     R"("big":18446744073709551615,"n":null},"context":{"ip":"1.2.3.4"},)"
                     R"("integrations":{"All":true},"writeKey":"wk","channel":"server",)"
                     R"("version":2,"receivedAt":"1999-01-01T00:00:00Z","extra":1)")),
      std::string(R"({"type":"track","messageId":"m1",)") + kOutTimes +
          R"(,"anonymousId":"a1","userId":"u1","event":"Signed Up","context":{"ip":"1.2.3.4"},)"
          R"("properties":{"plan":"Pro","price":9.99,"big":18446744073709551615,"n":null},)"
          R"("integrations":{"All":true}})");
}

TEST(NormalizeTrack, AbsentObjectsBecomeEmpty) {
  EXPECT_EQ(Normalize(R"({"userId":"u1","event":"E","messageId":"m"})"),
            std::string(R"({"type":"track","messageId":"m",)") + kReceivedOnly +
                R"(,"userId":"u1","event":"E","context":{},"properties":{},"integrations":{}})");
}

TEST(NormalizeIdentify, ExactOutput) {
  EXPECT_EQ(Normalize(Body(R"("type":"identify","messageId":"m2","userId":"u1",)"
                           R"("traits":{"email":"a@b.c","address":{"street":"6th Street"}},)"
                           R"("properties":{"dropped":true})"),
                      Endpoint::kIdentify),
            std::string(R"({"type":"identify","messageId":"m2",)") + kOutTimes +
                R"(,"userId":"u1","context":{},)"
                R"("traits":{"email":"a@b.c","address":{"street":"6th Street"}},)"
                R"("integrations":{}})");
}

TEST(NormalizeIdentify, AnonymousOnlyIsValid) {
  EXPECT_THAT(Normalize(R"({"anonymousId":"a1","messageId":"m"})", Endpoint::kIdentify),
              HasSubstr(R"("anonymousId":"a1","context":{},"traits":{},"integrations":{}})"));
}

TEST(NormalizePage, ExactOutput) {
  EXPECT_EQ(Normalize(Body(R"("type":"page","messageId":"m3","anonymousId":"a1",)"
                           R"("name":"Home","category":"Docs","properties":{"title":"T",)"
                           R"("url":"https://x.example/","path":"/"})"),
                      Endpoint::kPage),
            std::string(R"({"type":"page","messageId":"m3",)") + kOutTimes +
                R"(,"anonymousId":"a1","name":"Home","category":"Docs","context":{},)"
                R"("properties":{"title":"T","url":"https://x.example/","path":"/"},)"
                R"("integrations":{}})");
}

TEST(NormalizePage, NameAndCategoryAreOptionalAndNotTakenFromProperties) {
  EXPECT_THAT(
      Normalize(R"({"anonymousId":"a","properties":{"name":"P","category":"C"}})", Endpoint::kPage),
      HasSubstr(R"("anonymousId":"a","context":{},"properties":{"name":"P",)"));
}

TEST(NormalizeScreen, ExactOutputDropsCategory) {
  EXPECT_EQ(Normalize(Body(R"("type":"screen","messageId":"m4","userId":"u1","name":"Feed",)"
                           R"("category":"dropped","properties":{"Feed Type":"private"})"),
                      Endpoint::kScreen),
            std::string(R"({"type":"screen","messageId":"m4",)") + kOutTimes +
                R"(,"userId":"u1","name":"Feed","context":{},)"
                R"("properties":{"Feed Type":"private"},"integrations":{}})");
}

TEST(NormalizeGroup, ExactOutputWithNumericGroupId) {
  EXPECT_EQ(Normalize(Body(R"("type":"group","messageId":"m5","userId":"u1","groupId":42,)"
                           R"("traits":{"name":"Initech","employeeCount":420})"),
                      Endpoint::kGroup),
            std::string(R"({"type":"group","messageId":"m5",)") + kOutTimes +
                R"(,"userId":"u1","groupId":"42","context":{},)"
                R"("traits":{"name":"Initech","employeeCount":420},"integrations":{}})");
}

TEST(NormalizeAlias, ExactOutputKeepsAnonymousIdAndTraits) {
  EXPECT_EQ(Normalize(Body(R"("type":"alias","messageId":"m6","userId":"u2",)"
                           R"("anonymousId":"a1","previousId":"a1","traits":{"x":1})"),
                      Endpoint::kAlias),
            std::string(R"({"type":"alias","messageId":"m6",)") + kOutTimes +
                R"(,"anonymousId":"a1","userId":"u2","previousId":"a1","context":{},)"
                R"("traits":{"x":1},"integrations":{}})");
}

TEST(NormalizeAlias, NoTraitsKeyWhenNotSent) {
  EXPECT_THAT(Normalize(R"({"userId":"u2","previousId":"a1"})", Endpoint::kAlias),
              HasSubstr(R"("previousId":"a1","context":{},"integrations":{}})"));
}

TEST(NormalizeAlias, AnonymousIdAloneIsEnough) {
  EXPECT_THAT(Normalize(R"({"anonymousId":"a1","previousId":7})", Endpoint::kAlias),
              HasSubstr(R"("anonymousId":"a1","previousId":"7")"));
}

// --- Times -----------------------------------------------------------------

TEST(NormalizeTimes, ClockSkewVector22) {
  EXPECT_THAT(
      Normalize(R"({"userId":"u","event":"E","originalTimestamp":"2024-01-01T00:00:00.000Z",)"
                R"("sentAt":"2024-01-01T00:00:10.000Z"})"),
      HasSubstr(kOutTimes));
}

TEST(NormalizeTimes, TimestampStandsInForOriginalTimestamp) {
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","timestamp":"2024-01-01T00:00:00.000Z",)"
                        R"("sentAt":"2024-01-01T00:00:10.000Z"})"),
              HasSubstr(kOutTimes));
}

TEST(NormalizeTimes, OriginalTimestampWinsOverTimestamp) {
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","timestamp":"2023-06-01T00:00:00Z",)"
                        R"("originalTimestamp":"2024-01-01T00:00:00.000Z",)"
                        R"("sentAt":"2024-01-01T00:00:10.000Z"})"),
              HasSubstr(kOutTimes));
}

TEST(NormalizeTimes, WithoutSentAtTimestampIsOriginalTimestamp) {
  EXPECT_THAT(
      Normalize(R"({"userId":"u","event":"E","timestamp":"2023-06-01T12:00:00.123456+02:00"})"),
      HasSubstr(R"("receivedAt":"2024-01-01T00:05:10.000000Z",)"
                R"("originalTimestamp":"2023-06-01T10:00:00.123456Z",)"
                R"("timestamp":"2023-06-01T10:00:00.123456Z")"));
}

TEST(NormalizeTimes, DateOnlyTimestampIsMidnightUtc) {
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","timestamp":"2012-12-02"})"),
              HasSubstr(R"("originalTimestamp":"2012-12-02T00:00:00.000000Z")"));
}

TEST(NormalizeTimes, NoClientTimesMeansReceivedAt) {
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E"})"), HasSubstr(kReceivedOnly));
}

TEST(NormalizeTimes, SentAtWithoutClientTimeDoesNotSkewReceivedAt) {
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","sentAt":"2024-01-01T00:00:10Z"})"),
              HasSubstr(R"("receivedAt":"2024-01-01T00:05:10.000000Z",)"
                        R"("sentAt":"2024-01-01T00:00:10.000000Z",)"
                        R"("originalTimestamp":"2024-01-01T00:05:10.000000Z",)"
                        R"("timestamp":"2024-01-01T00:05:10.000000Z")"));
}

TEST(NormalizeTimes, BatchSentAtAppliesUnlessTheItemHasOne) {
  ParsedRequest parsed =
      Parse(R"({"sentAt":"2024-01-01T00:00:10Z","batch":[)"
            R"({"type":"track","userId":"u","event":"E","timestamp":"2024-01-01T00:00:00Z"},)"
            R"({"type":"track","userId":"u","event":"E","timestamp":"2024-01-01T00:00:00Z",)"
            R"("sentAt":"2024-01-01T00:00:01Z"}]})",
            Endpoint::kBatch);
  ASSERT_EQ(parsed.accepted.size(), 2u);
  EXPECT_THAT(parsed.accepted[0].json, HasSubstr(kOutTimes));
  EXPECT_THAT(parsed.accepted[1].json,
              HasSubstr(R"("sentAt":"2024-01-01T00:00:01.000000Z",)"
                        R"("originalTimestamp":"2024-01-01T00:00:00.000000Z",)"
                        R"("timestamp":"2024-01-01T00:05:09.000000Z")"));
}

TEST(NormalizeTimes, SubMicrosecondDigitsAreDroppedBeforeSkewCorrection) {
  // Untruncated, the correction would give 00:04:59.9999992 and print .999999.
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","timestamp":"2024-01-01T00:00:00.0000001Z",)"
                        R"("sentAt":"2024-01-01T00:00:10.0000009Z"})"),
              HasSubstr(kOutTimes));
}

TEST(NormalizeTimes, NormalizingTwiceChangesNothing) {
  const std::string once =
      Normalize(R"({"userId":"u","event":"E","timestamp":"2024-01-01T00:00:00.1234567+01:00",)"
                R"("sentAt":"2024-01-01T00:00:10.0000009Z","properties":{"a":[1.0,2]}})",
                Endpoint::kTrack, Context("203.0.113.7"));
  EXPECT_EQ(Normalize(once, Endpoint::kTrack, Context("203.0.113.7")), once);
}

TEST(NormalizeTimes, InvalidTimesAreRejectedNamingTheField) {
  for (const char* field : {"timestamp", "originalTimestamp", "sentAt"}) {
    SCOPED_TRACE(field);
    RejectedEvent r =
        Reject(std::string(R"({"userId":"u","event":"E",")") + field + R"(":"yesterday"})");
    EXPECT_EQ(r.code, "invalid_timestamp");
    EXPECT_EQ(r.message,
              std::string("`") + field + "` is not an ISO-8601 date-time: \"yesterday\"");
    r = Reject(std::string(R"({"userId":"u","event":"E",")") + field + R"(":1700000000})");
    EXPECT_EQ(r.code, "invalid_timestamp");
    EXPECT_EQ(r.message,
              std::string("`") + field + "` must be an ISO-8601 date-time string, got number");
  }
  // Date-only is accepted for `timestamp` only.
  EXPECT_EQ(Reject(R"({"userId":"u","event":"E","sentAt":"2024-01-01"})").code,
            "invalid_timestamp");
}

TEST(NormalizeTimes, SkewCorrectionOutOfRangeIsRejected) {
  RejectedEvent r = Reject(R"({"userId":"u","event":"E","timestamp":"0001-01-01T00:00:00Z",)"
                           R"("sentAt":"9999-01-01T00:00:00Z"})");
  EXPECT_EQ(r.code, "invalid_timestamp");
  EXPECT_THAT(r.message, HasSubstr("outside years 0001-9999"));
}

// The range check runs on integer microseconds: its edges, to the
// microsecond, and a receive time absl cannot express in them.
TEST(NormalizeTimes, SkewCorrectionRangeEdgesToTheMicrosecond) {
  // receivedAt is 2024-01-01T00:05:10Z: a sentAt equal to it corrects nothing.
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","timestamp":"0001-01-01T00:00:00Z",)"
                        R"("sentAt":"2024-01-01T00:05:10Z"})"),
              HasSubstr(R"("timestamp":"0001-01-01T00:00:00.000000Z")"));
  EXPECT_EQ(Reject(R"({"userId":"u","event":"E","timestamp":"0001-01-01T00:00:00Z",)"
                   R"("sentAt":"2024-01-01T00:05:10.000001Z"})")
                .code,
            "invalid_timestamp");
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","timestamp":"9999-12-31T23:59:59.999999Z",)"
                        R"("sentAt":"2024-01-01T00:05:10Z"})"),
              HasSubstr(R"("timestamp":"9999-12-31T23:59:59.999999Z")"));
  EXPECT_EQ(Reject(R"({"userId":"u","event":"E","timestamp":"9999-12-31T23:59:59.999999Z",)"
                   R"("sentAt":"2024-01-01T00:05:09.999999Z"})")
                .code,
            "invalid_timestamp");
  // (InfinitePast is left out: formatting it for receivedAt overflows.)
  for (const absl::Time received_at : {absl::InfiniteFuture()}) {
    ParsedRequest parsed = Parse(R"({"userId":"u","event":"E","timestamp":"2024-01-01T00:00:00Z",)"
                                 R"("sentAt":"2024-01-01T00:00:01Z"})",
                                 Endpoint::kTrack, RequestContext{received_at, ""});
    ASSERT_EQ(parsed.rejected.size(), 1u);
    EXPECT_EQ(parsed.rejected[0].code, "invalid_timestamp");
    parsed =
        Parse(R"({"userId":"u","event":"E"})", Endpoint::kTrack, RequestContext{received_at, ""});
    ASSERT_EQ(parsed.rejected.size(), 1u);
    EXPECT_EQ(parsed.rejected[0].code, "invalid_timestamp");
  }
}

// --- messageId ---------------------------------------------------------------

TEST(NormalizeMessageId, AssignedWhenMissingVector29) {
  for (const char* body :
       {R"({"userId":"u","event":"E"})", R"({"userId":"u","event":"E","messageId":""})",
        R"({"userId":"u","event":"E","messageId":null})"}) {
    ParsedRequest parsed = Parse(body, Endpoint::kTrack);
    ASSERT_EQ(parsed.accepted.size(), 1u) << body;
    EXPECT_THAT(
        parsed.accepted[0].json,
        ContainsRegex("\"messageId\":\"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                      "[0-9a-f]{12}\""));
  }
}

TEST(NormalizeMessageId, ClientValueKeptAndNumbersConverted) {
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","messageId":"ajs-123"})"),
              HasSubstr(R"("messageId":"ajs-123")"));
  ParsedRequest parsed = Parse(R"({"userId":"u","event":"E","messageId":12345})", Endpoint::kTrack);
  ASSERT_EQ(parsed.accepted.size(), 1u);
  EXPECT_THAT(parsed.accepted[0].json, HasSubstr(R"("messageId":"12345")"));
}

TEST(NormalizeMessageId, HundredCharactersMax) {
  std::string hundred_accented;
  for (int i = 0; i < 100; ++i) hundred_accented += "\xC3\xA9";  // é: 2 bytes, 1 character
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","messageId":")" + hundred_accented + "\"}"),
              HasSubstr(hundred_accented));
  RejectedEvent r =
      Reject(R"({"userId":"u","event":"E","messageId":")" + std::string(101, 'x') + "\"}");
  EXPECT_EQ(r.code, "invalid_message_id");
  EXPECT_EQ(r.message, "`messageId` is 101 characters; the limit is 100");
  r = Reject(R"({"userId":"u","event":"E","messageId":true})");
  EXPECT_EQ(r.code, "invalid_message_id");
  EXPECT_EQ(r.message, "`messageId` must be a string or a number, got boolean");
}

// --- userId / anonymousId ------------------------------------------------------

TEST(NormalizeIds, NumbersBecomeTheirText) {
  EXPECT_THAT(Normalize(R"({"userId":123,"anonymousId":-7,"event":"E"})"),
              HasSubstr(R"("anonymousId":"-7","userId":"123")"));
  EXPECT_THAT(Normalize(R"({"userId":18446744073709551615,"anonymousId":1.5,"event":"E"})"),
              HasSubstr(R"("anonymousId":"1.5","userId":"18446744073709551615")"));
  EXPECT_THAT(Normalize(R"({"userId":1e3,"event":"E"})"), HasSubstr(R"("userId":"1000")"));
}

TEST(NormalizeIds, StringsKeptAsIsWithEscapes) {
  EXPECT_THAT(Normalize(R"({"userId":"a\"b\\c\u0001é日本","event":"E"})"),
              HasSubstr(R"("userId":"a\"b\\c\u0001é日本")"));
}

TEST(NormalizeIds, ClientStringTokensAreCopiedAsWritten) {
  ParsedRequest parsed =
      Parse(R"({"userId":"\u00e9\/","event":"E\u0021","messageId":"m\/1","anonymousId":7})",
            Endpoint::kTrack);
  ASSERT_EQ(parsed.accepted.size(), 1u);
  EXPECT_THAT(parsed.accepted[0].json, HasSubstr(R"("messageId":"m\/1",)"));
  EXPECT_THAT(parsed.accepted[0].json,
              HasSubstr(R"("anonymousId":"7","userId":"\u00e9\/","event":"E\u0021",)"));
}

TEST(NormalizeIds, OtherTypesAreRejected) {
  RejectedEvent r = Reject(R"({"userId":true,"event":"E"})");
  EXPECT_EQ(r.code, "invalid_user_id");
  EXPECT_EQ(r.message, "`userId` must be a string or a number, got boolean");
  r = Reject(R"({"anonymousId":{"a":1},"userId":"u","event":"E"})");
  EXPECT_EQ(r.code, "invalid_anonymous_id");
  EXPECT_EQ(r.message, "`anonymousId` must be a string or a number, got object");
  EXPECT_EQ(Reject(R"({"anonymousId":[],"event":"E"})").code, "invalid_anonymous_id");
}

TEST(NormalizeIds, NeitherIdVector26) {
  for (const char* body : {R"({"event":"E"})", R"({"event":"E","userId":"","anonymousId":""})",
                           R"({"event":"E","userId":null})"}) {
    RejectedEvent r = Reject(body);
    EXPECT_EQ(r.index, 0u);
    EXPECT_EQ(r.code, "no_user_anon_id");
    EXPECT_EQ(r.message, "event has neither `userId` nor `anonymousId`");
  }
  EXPECT_EQ(Reject(R"({"previousId":"p"})", Endpoint::kAlias).code, "no_user_anon_id");
}

// --- Call-specific fields -----------------------------------------------------

TEST(NormalizeFields, TrackNeedsEvent) {
  RejectedEvent r = Reject(R"({"userId":"u"})");
  EXPECT_EQ(r.code, "missing_event");
  EXPECT_EQ(r.message, "track call has no `event`");
  r = Reject(R"({"userId":"u","event":""})");
  EXPECT_EQ(r.code, "missing_event");
  EXPECT_EQ(r.message, "`event` must be a non-empty string, got \"\"");
  r = Reject(R"({"userId":"u","event":5})");
  EXPECT_EQ(r.code, "missing_event");
  EXPECT_EQ(r.message, "`event` must be a non-empty string, got number");
}

TEST(NormalizeFields, GroupNeedsGroupId) {
  RejectedEvent r = Reject(R"({"userId":"u"})", Endpoint::kGroup);
  EXPECT_EQ(r.code, "missing_group_id");
  EXPECT_EQ(r.message, "group call has no `groupId`");
  EXPECT_EQ(Reject(R"({"userId":"u","groupId":""})", Endpoint::kGroup).code, "missing_group_id");
  r = Reject(R"({"userId":"u","groupId":false})", Endpoint::kGroup);
  EXPECT_EQ(r.code, "invalid_group_id");
  EXPECT_EQ(r.message, "`groupId` must be a string or a number, got boolean");
}

TEST(NormalizeFields, AliasNeedsPreviousId) {
  RejectedEvent r = Reject(R"({"userId":"u"})", Endpoint::kAlias);
  EXPECT_EQ(r.code, "missing_previous_id");
  EXPECT_EQ(r.message, "alias call has no `previousId`");
  EXPECT_EQ(Reject(R"({"userId":"u","previousId":[1]})", Endpoint::kAlias).code,
            "invalid_previous_id");
}

TEST(NormalizeFields, PageNameAndCategoryMustBeStrings) {
  RejectedEvent r = Reject(R"({"userId":"u","name":1})", Endpoint::kPage);
  EXPECT_EQ(r.code, "invalid_name");
  EXPECT_EQ(r.message, "`name` must be a string, got number");
  r = Reject(R"({"userId":"u","category":{}})", Endpoint::kPage);
  EXPECT_EQ(r.code, "invalid_category");
  EXPECT_EQ(r.message, "`category` must be a string, got object");
  EXPECT_EQ(Reject(R"({"userId":"u","name":true})", Endpoint::kScreen).code, "invalid_name");
}

TEST(NormalizeFields, ObjectsMustBeObjects) {
  struct Case {
    Endpoint endpoint;
    const char* field;
  };
  for (const Case& c : {Case{Endpoint::kTrack, "context"}, Case{Endpoint::kTrack, "properties"},
                        Case{Endpoint::kIdentify, "traits"}, Case{Endpoint::kGroup, "traits"},
                        Case{Endpoint::kTrack, "integrations"}}) {
    SCOPED_TRACE(c.field);
    RejectedEvent r =
        Reject(std::string(R"({"userId":"u","event":"E","groupId":"g",")") + c.field + R"(":"x"})",
               c.endpoint);
    EXPECT_EQ(r.code, std::string("invalid_") + c.field);
    EXPECT_EQ(r.message, std::string("`") + c.field + "` must be an object, got string");
  }
  // null counts as absent.
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","properties":null,"context":null})"),
              HasSubstr(R"("context":{},"properties":{},"integrations":{}})"));
}

TEST(NormalizeType, SingleEndpointTypeMayBeOmittedButMustMatch) {
  EXPECT_THAT(Normalize(R"({"type":"identify","userId":"u"})", Endpoint::kIdentify),
              HasSubstr(R"({"type":"identify")"));
  RejectedEvent r = Reject(R"({"type":"identify","userId":"u","event":"E"})");
  EXPECT_EQ(r.code, "type_mismatch");
  EXPECT_EQ(r.message, "`type` is \"identify\" but the endpoint takes \"track\" events");
  r = Reject(R"({"type":3,"userId":"u","event":"E"})");
  EXPECT_EQ(r.code, "type_mismatch");
  EXPECT_EQ(r.message, "`type` is number but the endpoint takes \"track\" events");
}

// --- context and integrations -------------------------------------------------

TEST(NormalizeContext, ClientIpFilledWhenAbsent) {
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E"})", Endpoint::kTrack, Context("203.0.113.7")),
              HasSubstr(R"("context":{"ip":"203.0.113.7"})"));
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","context":{"locale":"en"}})", Endpoint::kTrack,
                        Context("203.0.113.7")),
              HasSubstr(R"("context":{"locale":"en","ip":"203.0.113.7"})"));
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","context":{"ip":null,"a":1}})",
                        Endpoint::kTrack, Context("203.0.113.7")),
              HasSubstr(R"("context":{"a":1,"ip":"203.0.113.7"})"));
}

TEST(NormalizeContext, ClientIpNeverOverridesTheEvents) {
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","context":{"ip":"1.2.3.4"}})",
                        Endpoint::kTrack, Context("203.0.113.7")),
              HasSubstr(R"("context":{"ip":"1.2.3.4"})"));
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","context":{"a":1}})"),
              HasSubstr(R"("context":{"a":1})"));
}

TEST(NormalizeContext, BatchContextMergedVector28) {
  ParsedRequest parsed =
      Parse(R"({"context":{"device":{"type":"phone"},"locale":"en-US"},)"
            R"("integrations":{"All":false,"Mixpanel":true},"batch":[)"
            R"({"type":"track","userId":"u","event":"E","context":{"locale":"fr","app":{"v":1}},)"
            R"("integrations":{"All":true}},)"
            R"({"type":"identify","userId":"u"}]})",
            Endpoint::kBatch, Context("203.0.113.7"));
  ASSERT_EQ(parsed.accepted.size(), 2u);
  EXPECT_THAT(parsed.accepted[0].json,
              HasSubstr(R"("context":{"locale":"fr","app":{"v":1},"device":{"type":"phone"},)"
                        R"("ip":"203.0.113.7"},"properties":{},)"
                        R"("integrations":{"All":true,"Mixpanel":true}})"));
  EXPECT_THAT(parsed.accepted[1].json,
              HasSubstr(R"("context":{"device":{"type":"phone"},"locale":"en-US",)"
                        R"("ip":"203.0.113.7"},"traits":{},)"
                        R"("integrations":{"All":false,"Mixpanel":true}})"));
}

TEST(NormalizeContext, BatchIpUsedBeforeClientIp) {
  ParsedRequest parsed = Parse(R"({"context":{"ip":"9.9.9.9"},"batch":[)"
                               R"({"type":"track","userId":"u","event":"E"}]})",
                               Endpoint::kBatch, Context("203.0.113.7"));
  ASSERT_EQ(parsed.accepted.size(), 1u);
  EXPECT_THAT(parsed.accepted[0].json, HasSubstr(R"("context":{"ip":"9.9.9.9"})"));
}

TEST(NormalizeContext, BatchMergeAfterOwnTextWithWhitespace) {
  ParsedRequest parsed = Parse(
      "{\"context\":{\"locale\":\"en\",\"os\":{\"n\":1}},\"batch\":[\n"
      "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\","
      "\"context\" : { \"locale\" : \"fr\" , \"a\" : [ 1 ] } },\n"
      "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"context\":{ }},\n"
      "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\","
      "\"context\":{\"ip\":\"1.1.1.1\",\"ip\":null}}]}",
      Endpoint::kBatch, Context("203.0.113.7"));
  ASSERT_EQ(parsed.accepted.size(), 3u);
  EXPECT_THAT(parsed.accepted[0].json,
              HasSubstr(R"("context":{"locale":"fr","a":[1],"os":{"n":1},"ip":"203.0.113.7"})"));
  EXPECT_THAT(parsed.accepted[1].json,
              HasSubstr(R"("context":{"locale":"en","os":{"n":1},"ip":"203.0.113.7"})"));
  // A null "ip" anywhere in the item's context is dropped, as before.
  EXPECT_THAT(parsed.accepted[2].json,
              HasSubstr(R"("context":{"ip":"1.1.1.1","locale":"en","os":{"n":1}})"));
}

TEST(NormalizeContext, NullIpReplacedWithBatchContext) {
  ParsedRequest parsed = Parse(R"({"context":{"locale":"en"},"batch":[)"
                               R"({"type":"track","userId":"u","event":"E",)"
                               R"("context":{"ip":null,"a":1}}]})",
                               Endpoint::kBatch, Context("203.0.113.7"));
  ASSERT_EQ(parsed.accepted.size(), 1u);
  EXPECT_THAT(parsed.accepted[0].json,
              HasSubstr(R"("context":{"a":1,"locale":"en","ip":"203.0.113.7"})"));
}

TEST(NormalizeContext, IntegrationsKeepNullIp) {
  ParsedRequest parsed = Parse(R"({"integrations":{"All":false},"batch":[)"
                               R"({"type":"track","userId":"u","event":"E",)"
                               R"("integrations":{"ip":null,"X":true}}]})",
                               Endpoint::kBatch, Context("203.0.113.7"));
  ASSERT_EQ(parsed.accepted.size(), 1u);
  EXPECT_THAT(parsed.accepted[0].json,
              HasSubstr(R"("integrations":{"ip":null,"X":true,"All":false}})"));
}

// --- Values are copied without loss -------------------------------------------

// Objects are copied as the client wrote them (minified), so the test
// compares meaning, not bytes: the mapper parses the event again.
TEST(NormalizeValues, NumbersAndStringsSurvive) {
  const std::string properties =
      R"({"u":18446744073709551615,"i":-9223372036854775808,"d":0.1,"e":1.5e300,"z":-0.0,)"
      R"("s":"\u00e9\n\"","a":[1,[2,{"b":null}],true,false]})";
  const std::string json =
      Normalize(R"({"userId":"u","event":"E","properties":)" + properties + "}");
  simdjson::dom::parser out_parser, in_parser;
  simdjson::dom::element out, in;
  ASSERT_EQ(out_parser.parse(json).get(out), simdjson::SUCCESS) << json;
  ASSERT_EQ(in_parser.parse(properties).get(in), simdjson::SUCCESS);
  EXPECT_EQ(simdjson::minify(out["properties"]), simdjson::minify(in));
  EXPECT_EQ(out["properties"]["u"].get_uint64().value(), 18446744073709551615u);
  EXPECT_EQ(out["properties"]["s"].get_string().value(), "é\n\"");
}

TEST(NormalizeValues, ClientSpellingOfEscapesAndNumbersIsKept) {
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","properties":{"s":"\u00e9\/","e":1.5E3,)"
                        R"("f":1.50}})"),
              HasSubstr(R"("properties":{"s":"\u00e9\/","e":1.5E3,"f":1.50})"));
}

TEST(NormalizeValues, WhitespaceOutsideStringsIsRemoved) {
  const std::string compact =
      Normalize(R"({"userId":"u","event":"E","messageId":"m","context":{"a":[1,{}],"b":"x y"},)"
                R"("properties":{"p":{"q":[]}},"integrations":{"All":true}})",
                Endpoint::kTrack, Context("203.0.113.7"));
  EXPECT_EQ(Normalize("{ \"userId\" : \"u\" , \"event\":\"E\",\"messageId\":\"m\",\n"
                      "  \"context\" : { \"a\" : [ 1 , { } ] , \"b\" : \"x y\" } ,\n"
                      "  \"properties\" : {\t\"p\" : { \"q\" : [ ] } } ,\r\n"
                      "  \"integrations\" : { \"All\" : true }\n}\n",
                      Endpoint::kTrack, Context("203.0.113.7")),
            compact);
  EXPECT_THAT(compact, HasSubstr(R"("context":{"a":[1,{}],"b":"x y","ip":"203.0.113.7"})"));
}

TEST(NormalizeValues, EmptyObjectWithWhitespaceGetsIp) {
  EXPECT_THAT(Normalize("{\"userId\":\"u\",\"event\":\"E\",\"context\":{ \n }}", Endpoint::kTrack,
                        Context("203.0.113.7")),
              HasSubstr(R"("context":{"ip":"203.0.113.7"})"));
}

TEST(NormalizeValues, DeepButAllowedNestingIsCopied) {
  std::string deep;
  for (int i = 0; i < 60; ++i) deep += "[";
  deep += "1";
  for (int i = 0; i < 60; ++i) deep += "]";
  EXPECT_THAT(Normalize(R"({"userId":"u","event":"E","properties":{"d":)" + deep + "}}"),
              HasSubstr(R"("properties":{"d":)" + deep + "}"));
}

}  // namespace
}  // namespace opentrack::segment
