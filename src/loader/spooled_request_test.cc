#include "loader/spooled_request.h"

#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/spooled_event.h"

namespace opentrack::loader {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kBody = R"({"batch":[{"type":"track","userId":"u","event":"E"}]})";

SpooledRequest Sample() {
  SpooledRequest r;
  r.endpoint = segment::Endpoint::kBatch;
  r.received_at = absl::FromUnixMicros(1700000000123456);
  r.message_id_seed = {0x0102030405060708, 0x1112131415161718};
  r.limits = {32768, 512000, 2500, 64};
  r.source = "web";
  r.client_ip = "203.0.113.7";
  r.rejected_indexes = {1, 4};
  r.body = kBody;
  return r;
}

std::string Encode(const SpooledRequest& r) {
  absl::StatusOr<std::string> record = EncodeSpooledRequest(r);
  EXPECT_TRUE(record.ok()) << record.status();
  return record.value_or("");
}

// Decodes from a heap buffer of exactly the record's size, so that ASan
// reports any read past its end.
absl::StatusOr<SpooledRequest> DecodeExact(std::string_view record,
                                           std::unique_ptr<char[]>* storage) {
  *storage = std::make_unique<char[]>(record.size());
  if (!record.empty()) std::memcpy(storage->get(), record.data(), record.size());
  return DecodeSpooledRequest(std::string_view(storage->get(), record.size()));
}

std::string Message(const absl::StatusOr<SpooledRequest>& r) {
  return std::string(r.status().message());
}

TEST(SpooledRequestTest, RoundTrip) {
  const std::string record = Encode(Sample());
  absl::StatusOr<SpooledRequest> r = DecodeSpooledRequest(record);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->endpoint, segment::Endpoint::kBatch);
  EXPECT_EQ(r->received_at, absl::FromUnixMicros(1700000000123456));
  EXPECT_EQ(r->message_id_seed.hi, 0x0102030405060708u);
  EXPECT_EQ(r->message_id_seed.lo, 0x1112131415161718u);
  EXPECT_EQ(r->limits.max_event_bytes, 32768u);
  EXPECT_EQ(r->limits.max_batch_bytes, 512000u);
  EXPECT_EQ(r->limits.max_batch_events, 2500u);
  EXPECT_EQ(r->limits.max_depth, 64u);
  EXPECT_EQ(r->source, "web");
  EXPECT_EQ(r->client_ip, "203.0.113.7");
  EXPECT_THAT(r->rejected_indexes, ElementsAre(1, 4));
  EXPECT_EQ(r->body, kBody);
  EXPECT_EQ(r->body.data(), record.data() + record.size() - kBody.size());  // a view, not a copy
}

// The bytes docs/spool-format.md describes, little-endian.
TEST(SpooledRequestTest, LayoutIsFixed) {
  SpooledRequest r = Sample();
  r.endpoint = segment::Endpoint::kTrack;
  r.received_at = absl::FromUnixMicros(0x0102);
  r.message_id_seed = {3, 4};
  r.limits = {5, 6, 7, 8};
  r.source = "s";
  r.client_ip = "ip";
  r.rejected_indexes = {9};
  r.body = "{}";
  const std::string expected = std::string(
      "\x00\x01\x00\x00"                  // marker, version, track, 0
      "\x02\x01\x00\x00\x00\x00\x00\x00"  // receive time
      "\x03\x00\x00\x00\x00\x00\x00\x00"  // seed hi
      "\x04\x00\x00\x00\x00\x00\x00\x00"  // seed lo
      "\x05\x00\x00\x00\x06\x00\x00\x00"  // limits
      "\x07\x00\x00\x00\x08\x00\x00\x00"
      "\x01\x00s"            // source
      "\x02\x00ip"           // client IP
      "\x01\x00\x00\x00"     // rejected count
      "\x09\x00\x00\x00{}",  // index, body
      kSpooledRequestFixedBytes + 3 + 4 + 4 + 4 + 2);
  EXPECT_EQ(Encode(r), expected);
  absl::StatusOr<std::string> header = EncodeSpooledRequestHeader(r);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(*header + "{}", expected);
}

TEST(SpooledRequestTest, EveryEndpointAndEmptyClientIpAndNoRejections) {
  for (int e = 0; e <= static_cast<int>(segment::Endpoint::kBatch); ++e) {
    SpooledRequest in = Sample();
    in.endpoint = static_cast<segment::Endpoint>(e);
    in.client_ip = "";
    in.rejected_indexes.clear();
    absl::StatusOr<SpooledRequest> out = DecodeSpooledRequest(Encode(in));
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->endpoint, in.endpoint);
    EXPECT_EQ(out->client_ip, "");
    EXPECT_TRUE(out->rejected_indexes.empty());
  }
}

TEST(SpooledRequestTest, TellsRequestRecordsFromEventRecords) {
  EXPECT_TRUE(IsSpooledRequest(Encode(Sample())));
  EXPECT_FALSE(IsSpooledRequest(EncodeSpooledEvent("web", R"({"type":"track"})")));
  EXPECT_FALSE(IsSpooledRequest(""));
}

TEST(SpooledRequestTest, EncodingRefusesWhatDoesNotFit) {
  SpooledRequest r = Sample();
  const std::string long_text(70000, 'x');
  r.source = long_text;
  EXPECT_THAT(EncodeSpooledRequestHeader(r).status().message(), HasSubstr("source size is 70000"));
  r = Sample();
  r.source = "";
  EXPECT_THAT(EncodeSpooledRequestHeader(r).status().message(), HasSubstr("empty source"));
  r = Sample();
  r.client_ip = long_text;
  EXPECT_EQ(EncodeSpooledRequestHeader(r).status().code(), absl::StatusCode::kInvalidArgument);
  r = Sample();
  r.limits.max_batch_bytes = size_t{1} << 32;
  EXPECT_THAT(EncodeSpooledRequestHeader(r).status().message(), HasSubstr("a limit"));
  r = Sample();
  r.rejected_indexes = {size_t{1} << 32};
  EXPECT_THAT(EncodeSpooledRequestHeader(r).status().message(), HasSubstr("a rejected index"));
  r = Sample();
  r.rejected_indexes = {3, 3};
  EXPECT_THAT(EncodeSpooledRequestHeader(r).status().message(), HasSubstr("not ascending"));
}

TEST(SpooledRequestTest, EveryTruncationOfTheHeaderFails) {
  const std::string record = Encode(Sample());
  const size_t header = record.size() - kBody.size();
  std::unique_ptr<char[]> storage;
  for (size_t n = 0; n <= header; ++n) {
    absl::StatusOr<SpooledRequest> r = DecodeExact(std::string_view(record).substr(0, n), &storage);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << n;
  }
  // Cut in the body, a record is well-formed; the body is then not JSON.
  absl::StatusOr<SpooledRequest> r = DecodeExact(record.substr(0, header + 1), &storage);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "{");
}

TEST(SpooledRequestTest, MalformedFieldsAreNamed) {
  const std::string good = Encode(Sample());
  const auto with = [&](size_t at, std::string_view bytes) {
    std::string bad = good;
    bad.replace(at, bytes.size(), bytes);
    return bad;
  };
  std::unique_ptr<char[]> storage;
  EXPECT_THAT(Message(DecodeExact(with(1, "\x02"), &storage)), HasSubstr("unknown version 2"));
  EXPECT_THAT(Message(DecodeExact(with(2, "\x07"), &storage)), HasSubstr("unknown endpoint 7"));
  EXPECT_THAT(Message(DecodeExact(with(3, "\x01"), &storage)), HasSubstr("reserved byte is 1"));
  EXPECT_THAT(Message(DecodeExact(with(0, "w"), &storage)), HasSubstr("no marker"));
  const size_t source_at = kSpooledRequestFixedBytes;
  EXPECT_THAT(Message(DecodeExact(with(source_at, std::string("\xff\xff", 2)), &storage)),
              HasSubstr("truncated source"));
  EXPECT_THAT(Message(DecodeExact(with(source_at, std::string("\x00\x00", 2)), &storage)),
              HasSubstr("empty source"));
  const size_t ip_at = source_at + 2 + 3;
  EXPECT_THAT(Message(DecodeExact(with(ip_at, std::string("\xff\xff", 2)), &storage)),
              HasSubstr("truncated client IP"));
  const size_t count_at = ip_at + 2 + 11;
  EXPECT_THAT(Message(DecodeExact(with(count_at, std::string("\xff\xff\xff\xff", 4)), &storage)),
              HasSubstr("truncated rejected indexes"));
  EXPECT_THAT(
      Message(DecodeExact(with(count_at + 4, std::string("\x05\x00\x00\x00", 4)), &storage)),
      HasSubstr("not ascending"));
  SpooledRequest no_body = Sample();
  no_body.body = "";
  EXPECT_THAT(Message(DecodeExact(Encode(no_body), &storage)), HasSubstr("empty body"));
}

// A small fuzz: garbled and truncated records decode or fail cleanly (ASan
// checks the reads), and whatever decodes lies within the record.
TEST(SpooledRequestTest, GarbledRecordsNeverReadOutOfBounds) {
  const std::string good = Encode(Sample());
  std::mt19937 rng(7);
  std::unique_ptr<char[]> storage;
  for (int i = 0; i < 20000; ++i) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
    bad.resize(rng() % (bad.size() + 1));
    absl::StatusOr<SpooledRequest> r = DecodeExact(bad, &storage);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
      continue;
    }
    const char* begin = storage.get();
    const char* end = begin + bad.size();
    for (std::string_view part : {r->source, r->client_ip, r->body}) {
      EXPECT_GE(part.data(), begin);
      EXPECT_LE(part.data() + part.size(), end);
    }
  }
}

}  // namespace
}  // namespace opentrack::loader
