// The loader on request records (spooled_request.h): the collector's body
// normalized again with its context, alone and mixed with one-event records.
#include <deque>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/loader.h"
#include "loader/loader_test_util.h"
#include "loader/spooled_request.h"

namespace opentrack::loader {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Method = table_manager::FakeBigQueryClient::Method;
using testing::Track;

constexpr UuidSeed kSeed{0x1234, 0x5678};

class LoaderRequestTest : public testing::LoaderTest {
 protected:
  // A batch request record of `items` (JSON objects) for source "web".
  SpooledRequest Batch(const std::vector<std::string>& items, std::vector<size_t> rejected = {}) {
    std::string body = R"({"batch":[)";
    for (size_t i = 0; i < items.size(); ++i) body += (i > 0 ? "," : "") + items[i];
    body += "]}";
    return Request(segment::Endpoint::kBatch, std::move(body), std::move(rejected));
  }
  SpooledRequest Request(segment::Endpoint endpoint, std::string body,
                         std::vector<size_t> rejected = {}) {
    bodies_.push_back(std::move(body));
    SpooledRequest r;
    r.endpoint = endpoint;
    r.received_at = absl::FromUnixSeconds(1704067510);  // 2024-01-01T00:05:10Z
    r.message_id_seed = kSeed;
    r.source = "web";
    r.client_ip = "203.0.113.7";
    r.rejected_indexes = std::move(rejected);
    r.body = bodies_.back();
    return r;
  }

  std::vector<bigquery::InsertRow> Rejected() {
    return fake_.Rows({"p", "web", "_opentrack_rejected"});
  }

  std::deque<std::string> bodies_;  // what the requests' views point to
};

TEST_F(LoaderRequestTest, EveryEventOfABatchEndsInItsTables) {
  AppendRequest(Batch({
      R"({"type":"track","messageId":"t1","anonymousId":"a1","event":"Order Completed",)"
      R"("properties":{"total":9.5},"timestamp":"2024-01-01T00:05:00Z"})",
      R"({"type":"identify","messageId":"i1","userId":"u1","traits":{"email":"x@y.z"}})",
      R"({"type":"page","messageId":"p1","anonymousId":"a1","name":"Home"})",
      R"({"type":"screen","messageId":"s1","userId":"u1","name":"Feed"})",
      R"({"type":"group","messageId":"g1","userId":"u1","groupId":"g9"})",
      R"({"type":"alias","messageId":"al1","userId":"u2","previousId":"a1"})",
  }));
  MakeLoader();
  RunUntilWritten();

  ExpectOneOfEachTypeRouted();
  // The collector's receive time and client IP, as normalizing there gave them.
  auto rows = fake_.Rows({"p", "web", "order_completed"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_THAT(rows[0].json, HasSubstr(R"("received_at":"2024-01-01T00:05:10.000000Z")"));
  EXPECT_THAT(rows[0].json, HasSubstr(R"("context_ip":"203.0.113.7")"));
  EXPECT_THAT(rows[0].json, HasSubstr(R"("total":9.5)"));
  EXPECT_EQ(UnackedRecords(), 0u);
  LoaderStats stats = loader_->Stats();
  EXPECT_EQ(stats.records_read, 1u);
  EXPECT_EQ(stats.rows_written, 9u);
  EXPECT_EQ(stats.events_disagreed, 0u);
  EXPECT_THAT(Rejected(), IsEmpty());
}

TEST_F(LoaderRequestTest, SingleEventEndpointIdentifyGivesIdentifiesAndUsers) {
  AppendRequest(Request(segment::Endpoint::kIdentify,
                        R"({"userId":"u1","messageId":"i1","traits":{"plan":"pro"}})"));
  MakeLoader();
  RunUntilWritten();
  EXPECT_THAT(InsertIds("identifies"), ElementsAre("i1"));
  EXPECT_THAT(InsertIds("users"), ElementsAre("i1"));
  auto users = fake_.Rows({"p", "web", "users"});
  ASSERT_EQ(users.size(), 1u);
  EXPECT_THAT(users[0].json, HasSubstr(R"("id":"u1")"));
  EXPECT_THAT(users[0].json, HasSubstr(R"("plan":"pro")"));
  EXPECT_EQ(UnackedRecords(), 0u);
}

// Events the collector answered as rejected are not stored, even when they
// would normalize now; nothing about them is a disagreement.
TEST_F(LoaderRequestTest, RejectedIndexesAreSkipped) {
  AppendRequest(Batch(
      {
          R"({"type":"track","messageId":"e0","userId":"u","event":"A"})",
          R"({"type":"track","messageId":"e1","userId":"u","event":"A"})",  // answered rejected
          R"({"type":"track","messageId":"e2","event":"A"})",               // no user id
          R"({"type":"track","messageId":"e3","userId":"u","event":"A"})",
      },
      {1, 2}));
  MakeLoader();
  RunUntilWritten();
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("e0", "e3"));
  EXPECT_THAT(InsertIds("a"), ElementsAre("e0", "e3"));
  EXPECT_THAT(Rejected(), IsEmpty());
  EXPECT_EQ(loader_->Stats().events_disagreed, 0u);
  EXPECT_EQ(UnackedRecords(), 0u);
}

// Events without a messageId get ids from the record's seed and their index:
// read again after a crash, they are resent with the same insert ids.
TEST_F(LoaderRequestTest, SeededIdsAreTheSameWhenReadAgainAfterACrash) {
  options_.ack_interval = absl::Hours(1);
  AppendRequest(Batch({R"({"type":"track","userId":"u","event":"A"})",
                       R"({"type":"track","event":"A"})",  // rejected
                       R"({"type":"track","userId":"u","event":"A"})"},
                      {1}));
  MakeLoader();
  RunUntilWritten();
  const std::string id0 = UuidFromSeed(kSeed, 0);
  const std::string id2 = UuidFromSeed(kSeed, 2);
  EXPECT_THAT(InsertIds("tracks"), ElementsAre(id0, id2));
  EXPECT_EQ(UnackedRecords(), 1u);

  CrashAndRestart();
  RunUntilWritten();
  EXPECT_THAT(InsertIds("tracks"), ElementsAre(id0, id2, id0, id2));
  EXPECT_THAT(InsertIds("a"), ElementsAre(id0, id2, id0, id2));
  auto rows = fake_.Rows({"p", "web", "tracks"});
  EXPECT_THAT(rows[0].json, HasSubstr(R"("id":")" + id0 + R"(")"));
  ASSERT_TRUE(loader_->Stop().ok());
  EXPECT_EQ(UnackedRecords(), 0u);
}

// A spool written before the upgrade holds one-event records; new ones follow.
TEST_F(LoaderRequestTest, OneEventAndRequestRecordsMixInOneSpool) {
  Append({Track("old1", "Signed Up", R"({"plan":"pro"})")});
  AppendRequest(Batch({R"({"type":"track","messageId":"new1","anonymousId":"a1",)"
                       R"("event":"Signed Up","properties":{"plan":"team"}})",
                       R"({"type":"track","messageId":"new2","anonymousId":"a1",)"
                       R"("event":"Signed Up","properties":{"plan":"pro"}})"}));
  Append({Track("old2", "Signed Up", R"({"plan":"pro"})")});
  MakeLoader();
  RunUntilWritten();
  EXPECT_THAT(InsertIds("signed_up"), ElementsAre("old1", "new1", "new2", "old2"));
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("old1", "new1", "new2", "old2"));
  EXPECT_EQ(loader_->Stats().records_read, 3u);
  EXPECT_EQ(UnackedRecords(), 0u);
}

// An event the collector accepted that normalizing now rejects must not be
// lost: its request body is quarantined under the event's index.
TEST_F(LoaderRequestTest, AnAcceptedEventThatNowFailsIsQuarantined) {
  metrics::Registry registry;
  options_.metrics = &registry;
  AppendRequest(Batch({R"({"type":"track","messageId":"e0","userId":"u","event":"A"})",
                       R"({"type":"track","messageId":"e1","event":"A"})"}));
  MakeLoader();
  RunUntilWritten();
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("e0"));
  auto rejected = Rejected();
  ASSERT_EQ(rejected.size(), 1u);
  const auto acked = loader_->Stats().acked;
  ASSERT_TRUE(acked.has_value());
  const std::string id = absl::StrCat("spool-", acked->file_number, "-", acked->offset, "-1");
  EXPECT_EQ(rejected[0].insert_id, id);
  EXPECT_THAT(rejected[0].json, HasSubstr(R"("reason":"invalid_event")"));
  EXPECT_THAT(rejected[0].json,
              HasSubstr("the collector accepted event 1; normalizing it failed: no_user_anon_id"));
  EXPECT_THAT(rejected[0].json, HasSubstr(R"("row_json":"{\"batch\":[)"));
  EXPECT_EQ(loader_->Stats().events_disagreed, 1u);
  EXPECT_THAT(registry.RenderPrometheus(),
              HasSubstr("opentrack_loader_events_disagreed_total 1\n"));
  EXPECT_EQ(UnackedRecords(), 0u);
}

// However many events disagree, the body is quarantined once, naming each.
TEST_F(LoaderRequestTest, DisagreeingEventsShareOneQuarantinedBody) {
  AppendRequest(Batch({R"({"type":"track","messageId":"e0","event":"A"})",
                       R"({"type":"track","messageId":"e1","userId":"u","event":"A"})",
                       R"({"type":"track","messageId":"e2","userId":"u"})"}));
  MakeLoader();
  RunUntilWritten();
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("e1"));
  auto rejected = Rejected();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_THAT(rejected[0].insert_id, ::testing::EndsWith("-0"));
  EXPECT_THAT(rejected[0].json, HasSubstr("accepted event 0; normalizing it failed: "
                                          "no_user_anon_id"));
  EXPECT_THAT(rejected[0].json, HasSubstr("accepted event 2; normalizing it failed: "
                                          "missing_event"));
  EXPECT_EQ(loader_->Stats().events_disagreed, 2u);
  EXPECT_EQ(UnackedRecords(), 0u);
}

// The loader decides with the limits stored in the record, not its own.
TEST_F(LoaderRequestTest, TheRecordsLimitsDecide) {
  SpooledRequest request = Batch({R"({"type":"track","messageId":"e0","userId":"u","event":"A"})",
                                  R"({"type":"track","messageId":"e1","userId":"u","event":"A"})"});
  request.limits.max_batch_events = 1;  // so e1 is batch_too_large, and was not answered so
  AppendRequest(request);
  MakeLoader();
  RunUntilWritten();
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("e0"));
  auto rejected = Rejected();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_THAT(rejected[0].json, HasSubstr("batch_too_large"));
}

TEST_F(LoaderRequestTest, ARequestThatNoLongerParsesIsQuarantinedWhole) {
  AppendRequest(Request(segment::Endpoint::kTrack, R"({"userId":"u","event":)"));
  MakeLoader();
  RunUntilWritten();
  auto rejected = Rejected();
  ASSERT_EQ(rejected.size(), 1u);
  const auto acked = loader_->Stats().acked;
  ASSERT_TRUE(acked.has_value());
  EXPECT_EQ(rejected[0].insert_id, absl::StrCat("spool-", acked->file_number, "-", acked->offset));
  EXPECT_THAT(
      rejected[0].json,
      HasSubstr("the collector accepted this request; normalizing it failed: invalid JSON"));
  EXPECT_THAT(rejected[0].json, HasSubstr(R"("row_json":"{\"userId\":\"u\",\"event\":")"));
  EXPECT_EQ(loader_->Stats().events_disagreed, 1u);
  EXPECT_EQ(UnackedRecords(), 0u);
}

TEST_F(LoaderRequestTest, RecordsWithoutADestinationOrUndecodableAreDropped) {
  SpooledRequest ios = Batch({R"({"type":"track","userId":"u","event":"A"})"});
  ios.source = "ios";
  AppendRequest(ios);
  ASSERT_TRUE(spool_->AppendAndWait({std::string("\0\x01\x06\0truncated", 13)}).ok());
  ASSERT_TRUE(spool_->AppendAndWait({std::string("\0\x02\x06\0", 4) + "{}"}).ok());  // version 2
  MakeLoader();
  RunUntilWritten();
  EXPECT_EQ(fake_.Calls(Method::kInsertAll), 0);
  EXPECT_EQ(loader_->Stats().records_dropped, 3u);
  EXPECT_EQ(UnackedRecords(), 0u);
}

// A record is acknowledged once every row of every event in it is written.
TEST_F(LoaderRequestTest, AckWaitsForAllOfARecordsRows) {
  AppendRequest(Batch({R"({"type":"track","messageId":"e0","userId":"u","event":"A"})",
                       R"({"type":"track","messageId":"e1","userId":"u","event":"B"})"}));
  // Tables go in name order: a, b, tracks. b's first write fails.
  fake_.FailNext(Method::kInsertAll, absl::UnavailableError("backend error"), 2);
  MakeLoader();
  RunUntilWritten();  // a fails, then b fails; tracks is written
  EXPECT_THAT(InsertIds("tracks"), ElementsAre("e0", "e1"));
  EXPECT_THAT(InsertIds("a"), IsEmpty());
  EXPECT_EQ(UnackedRecords(), 1u);
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(loader_->RunOnce(absl::ZeroDuration()).ok());
  EXPECT_THAT(InsertIds("a"), ElementsAre("e0"));
  EXPECT_THAT(InsertIds("b"), ElementsAre("e1"));
  EXPECT_EQ(UnackedRecords(), 0u);
}

}  // namespace
}  // namespace opentrack::loader
