// End-to-end: the real `opentrack serve` and `opentrack emulator` binaries on
// port 0, driven over HTTP; results read back through the emulator's REST API.
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/e2e/cluster.h"

namespace opentrack::e2e {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

std::string Table(const std::string& name) {
  return absl::StrCat("`", kProject, ".", kDataset, ".", name, "`");
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartEmulator().ok());
    ASSERT_TRUE(cluster_.StartCollector().ok()) << cluster_.CollectorLog();
  }
  Cluster cluster_;
};

TEST_F(ServeTest, SampleEventsReachSegmentTablesWithTheirColumns) {
  const std::vector<std::string> events = SampleEvents();
  ASSERT_EQ(events.size(), 1000u) << "the shared sample at " << OPENTRACK_SAMPLE_EVENTS;
  std::map<std::string, int64_t> by_type;
  int64_t product_added = 0, identified_users = 0;
  simdjson::dom::parser parser;
  for (const std::string& e : events) {
    simdjson::dom::element doc = parser.parse(e);
    by_type[std::string(std::string_view(doc["type"].get_string()))]++;
    std::string_view name;
    if (!doc["event"].get_string().get(name) && name == "Product Added") ++product_added;
    std::string_view type = doc["type"].get_string();
    std::string_view user;
    if (type == "identify" && !doc["userId"].get_string().get(user) && !user.empty()) {
      ++identified_users;
    }
  }
  for (size_t i = 0; i < events.size(); i += 100) {
    auto resp = cluster_.Post("/v1/batch", BatchBody(events, i, i + 100));
    ASSERT_TRUE(resp.ok()) << resp.status();
    ASSERT_EQ(resp->status, 200) << resp->body;
  }
  const std::map<std::string, std::string> tables = {
      {"track", "tracks"},   {"identify", "identifies"}, {"page", "pages"},
      {"screen", "screens"}, {"group", "groups"},        {"alias", "aliases"}};
  for (const auto& [type, table] : tables) {
    if (by_type[type] == 0) continue;
    auto n = cluster_.WaitForCount(absl::StrCat("SELECT COUNT(DISTINCT id) FROM ", Table(table)),
                                   by_type[type], absl::Seconds(60));
    EXPECT_TRUE(n.ok()) << n.status() << "\n" << cluster_.CollectorLog();
  }
  EXPECT_TRUE(cluster_
                  .WaitForCount(absl::StrCat("SELECT COUNT(*) FROM ", Table("product_added")),
                                product_added, absl::Seconds(30))
                  .ok());
  EXPECT_TRUE(cluster_
                  .WaitForCount(absl::StrCat("SELECT COUNT(*) FROM ", Table("users")),
                                identified_users, absl::Seconds(30))
                  .ok());

  auto tracks = cluster_.Columns("tracks");
  ASSERT_TRUE(tracks.ok());
  EXPECT_THAT(*tracks, Contains(Pair("event", "STRING")));
  EXPECT_THAT(*tracks, Contains(Pair("event_text", "STRING")));
  EXPECT_THAT(*tracks, Contains(Pair("timestamp", "TIMESTAMP")));
  EXPECT_THAT(*tracks, Contains(Pair("loaded_at", "TIMESTAMP")));
  EXPECT_THAT(*tracks, Contains(Pair("context_user_agent_data_brands", "STRING")));
  EXPECT_THAT(*tracks, Contains(Pair("context_user_agent_data_mobile", "BOOLEAN")));
  EXPECT_THAT(*tracks, Not(Contains(Pair("revenue", "FLOAT"))));  // properties: event tables only

  auto added = cluster_.Columns("product_added");
  ASSERT_TRUE(added.ok());
  EXPECT_THAT(*added, Contains(Pair("revenue", "FLOAT")));
  EXPECT_THAT(*added, Contains(Pair("order_id", "STRING")));
  EXPECT_THAT(*added, Contains(Pair("is_gift", "BOOLEAN")));
  EXPECT_THAT(*added, Contains(Pair("products", "STRING")));
  EXPECT_THAT(*added, Contains(Pair("coupon", "STRING")));  // null in some events, set in others

  auto users = cluster_.Columns("users");
  ASSERT_TRUE(users.ok());
  EXPECT_THAT(*users, Contains(Pair("id", "STRING")));
  EXPECT_THAT(*users, Contains(Pair("email", "STRING")));
  EXPECT_THAT(*users, Not(Contains(Pair("anonymous_id", ::testing::_))));
  EXPECT_THAT(*users, Not(Contains(Pair("user_id", ::testing::_))));
}

TEST_F(ServeTest, ShortPathsAcceptTextPlainWithTheWriteKeyInTheBody) {
  const std::map<std::string, std::string> bodies = {
      {"/v1/t", R"({"event":"Short Path","properties":{"n":1}})"},
      {"/v1/p", R"({"name":"Home","properties":{"path":"/"}})"},
      {"/v1/i", R"({"traits":{"email":"a@example.com"}})"},
      {"/v1/s", R"({"name":"Feed"})"},
      {"/v1/g", R"({"groupId":"g1","traits":{"employeeCount":420}})"},
      {"/v1/a", R"({"previousId":"anon-1"})"},
  };
  for (const auto& [path, fields] : bodies) {
    std::string body = fields;
    body.pop_back();
    body += absl::StrCat(R"(,"userId":"short-user","messageId":"short)",
                         path.substr(path.size() - 1), R"(","writeKey":")", kWriteKey, R"("})");
    auto resp = cluster_.PostRaw(path, body, {{"Content-Type", "text/plain"}});
    ASSERT_TRUE(resp.ok());
    EXPECT_EQ(resp->status, 200) << path << " " << resp->body;
  }
  for (const auto& [table, id] : std::map<std::string, std::string>{{"short_path", "shortt"},
                                                                    {"pages", "shortp"},
                                                                    {"identifies", "shorti"},
                                                                    {"screens", "shorts"},
                                                                    {"groups", "shortg"},
                                                                    {"aliases", "shorta"}}) {
    auto n = cluster_.WaitForCount(
        absl::StrCat("SELECT COUNT(*) FROM ", Table(table), " WHERE id = '", id, "'"), 1,
        absl::Seconds(30));
    EXPECT_TRUE(n.ok()) << table << ": " << n.status();
  }
  auto groups = cluster_.Columns("groups");
  ASSERT_TRUE(groups.ok());
  EXPECT_THAT(*groups, Contains(Pair("group_id", "STRING")));
  EXPECT_THAT(*groups, Contains(Pair("employee_count", "INTEGER")));
}

TEST_F(ServeTest, TimestampIsCorrectedForClockSkew) {
  // The device clock is 10 s behind the send time: timestamp = received_at - 10 s.
  auto resp = cluster_.Post(
      "/v1/track",
      R"({"userId":"u","messageId":"skew-1","event":"Skew",)"
      R"("originalTimestamp":"2024-01-01T00:00:00.000Z","sentAt":"2024-01-01T00:00:10.000Z"})");
  ASSERT_TRUE(resp.ok());
  ASSERT_EQ(resp->status, 200) << resp->body;
  ASSERT_TRUE(
      cluster_
          .WaitForCount(absl::StrCat("SELECT COUNT(*) FROM ", Table("skew")), 1, absl::Seconds(30))
          .ok());
  auto rows =
      cluster_.Query(absl::StrCat("SELECT TIMESTAMP_DIFF(received_at, timestamp, MILLISECOND), "
                                  "UNIX_MICROS(original_timestamp), UNIX_MICROS(sent_at) FROM ",
                                  Table("skew")));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], "10000");
  EXPECT_EQ(rows->rows[0][1], "1704067200000000");
  EXPECT_EQ(rows->rows[0][2], "1704067210000000");
}

TEST_F(ServeTest, BadInputGetsPreciseJsonErrors) {
  auto resp = cluster_.Post("/v1/track", "{not json");
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 400);
  EXPECT_THAT(resp->body, HasSubstr("\"code\":\"invalid_json\""));

  resp = cluster_.Post("/v1/track", R"({"event":"No Identity"})");
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 400);
  EXPECT_THAT(resp->body, HasSubstr("no_user_anon_id"));

  resp = cluster_.PostRaw("/v1/track", R"({"userId":"u","event":"x","writeKey":"wrong"})");
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 401);
  EXPECT_THAT(resp->body, HasSubstr("invalid_write_key"));

  resp = cluster_.Post("/v1/track", std::string(40 * 1024, ' ') + "{}");
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 400);
  EXPECT_THAT(resp->body, HasSubstr("payload_too_large"));
}

TEST_F(ServeTest, HealthAndMetricsEndpoints) {
  auto health = cluster_.Get("/health");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  auto post = cluster_.Post("/v1/track", R"({"userId":"u","event":"Counted"})");
  ASSERT_TRUE(post.ok());
  auto metrics = cluster_.Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->body, HasSubstr("# TYPE"));
}

}  // namespace
}  // namespace opentrack::e2e
