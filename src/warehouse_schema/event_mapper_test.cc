// One named test per row/column test vector of spec segment-warehouse.md
// section 8 (SpecVectorN...), then the lead's naming rules and input errors.
#include "warehouse_schema/event_mapper.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "warehouse_schema/mapper_test_util.h"
#include "warehouse_schema/naming.h"
#include "warehouse_schema/row_encoder.h"

namespace opentrack::warehouse_schema {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MapOrDie;
using testing::Names;
using testing::Normalized;
using testing::RowOf;
using testing::Tables;

// Debug-JSON fragments for expected rows.
std::string S(std::string_view name, std::string_view v) {
  return "\"" + std::string(name) + "\":{\"type\":\"STRING\",\"value\":\"" + std::string(v) + "\"}";
}
std::string T(std::string_view name, std::string_view v) {
  return "\"" + std::string(name) + "\":{\"type\":\"TIMESTAMP\",\"value\":\"" + std::string(v) +
         "\"}";
}
std::string DebugRow(std::string_view table, const std::vector<std::string>& columns) {
  return "{\"table\":\"" + std::string(table) + "\",\"insert_id\":\"m1\",\"columns\":{" +
         absl::StrJoin(columns, ",") + "}}";
}
constexpr char kReceived[] = "2024-01-01T00:05:10.000000Z";
const std::string kLoaded(testing::kLoadedText);

const Cell& CellOf(const Row& row, std::string_view name) {
  const Cell* c = row.Find(name);
  if (c == nullptr) {
    ADD_FAILURE() << "no column " << name << " in " << RowToDebugJson(row);
    static const Cell kNone;
    return kNone;
  }
  return *c;
}
ColumnType TypeOf(const Row& row, std::string_view name) { return CellOf(row, name).type; }
std::string TextOf(const Row& row, std::string_view name) {
  return std::string(row.Text(CellOf(row, name)));
}

std::string Track(std::string_view event, std::string_view properties) {
  return Normalized(R"("type":"track","anonymousId":"a1","event":")" + std::string(event) +
                    R"(","properties":)" + std::string(properties));
}

TEST(EventMapperTest, SpecVector1RegisterGoesToEventTableAndTracks) {
  const std::vector<Row> rows =
      MapOrDie(Track("Register", R"({"plan":"Pro Annual","accountType":"Facebook"})"));
  ASSERT_THAT(Tables(rows), ElementsAre("tracks", "register"));
  const std::vector<std::string> standard = {S("id", "m1"),
                                             S("anonymous_id", "a1"),
                                             T("received_at", kReceived),
                                             T("uuid_ts", kLoaded),
                                             T("loaded_at", kLoaded),
                                             S("event", "register"),
                                             S("event_text", "Register")};
  EXPECT_EQ(RowToDebugJson(rows[0]), DebugRow("tracks", standard));
  std::vector<std::string> event_columns = standard;
  event_columns.push_back(S("plan", "Pro Annual"));
  event_columns.push_back(S("account_type", "Facebook"));
  EXPECT_EQ(RowToDebugJson(rows[1]), DebugRow("register", event_columns));
}

TEST(EventMapperTest, SpecVector2SignedUpIsSnakeCasedInEventColumn) {
  const std::vector<Row> rows = MapOrDie(Track("Signed Up", "{}"));
  ASSERT_THAT(Tables(rows), ElementsAre("tracks", "signed_up"));
  EXPECT_EQ(TextOf(rows[0], "event"), "signed_up");
  EXPECT_EQ(TextOf(rows[0], "event_text"), "Signed Up");
}

TEST(EventMapperTest, SpecVector3PropertiesOnlyOnEventTable) {
  const std::vector<Row> rows =
      MapOrDie(Track("Order Completed", R"({"total":99.99,"orderId":"A1"})"));
  const Row& event = RowOf(rows, "order_completed");
  EXPECT_EQ(TypeOf(event, "total"), ColumnType::kFloat);
  EXPECT_EQ(CellOf(event, "total").floating, 99.99);
  EXPECT_EQ(TypeOf(event, "order_id"), ColumnType::kString);
  const Row& tracks = RowOf(rows, "tracks");
  EXPECT_EQ(tracks.Find("total"), nullptr);
  EXPECT_EQ(tracks.Find("order_id"), nullptr);
}

TEST(EventMapperTest, SpecVector4CamelAndSpacedNamesShareATable) {
  EventMapper mapper;
  const std::vector<Row> a = MapOrDie(mapper, Track("productViewed", "{}"));
  const std::vector<Row> b = MapOrDie(mapper, Track("Product Viewed", "{}"));
  ASSERT_THAT(Tables(a), ElementsAre("tracks", "product_viewed"));
  ASSERT_THAT(Tables(b), ElementsAre("tracks", "product_viewed"));
  EXPECT_EQ(TextOf(a[1], "event"), "product_viewed");
  EXPECT_EQ(TextOf(b[1], "event"), "product_viewed");
  EXPECT_EQ(TextOf(a[1], "event_text"), "productViewed");
  EXPECT_EQ(TextOf(b[1], "event_text"), "Product Viewed");
}

TEST(EventMapperTest, SpecVector5ContextIsFlattenedOnEveryRow) {
  const std::vector<Row> rows = MapOrDie(Normalized(
      R"("type":"track","userId":"u1","event":"E","context":{"app":{"version":"1.0.0"}})"));
  for (const Row& row : rows) {
    EXPECT_EQ(TypeOf(row, "context_app_version"), ColumnType::kString) << row.table;
    EXPECT_EQ(TextOf(row, "context_app_version"), "1.0.0");
  }
}

TEST(EventMapperTest, SpecVector6IdentifyTraitsOnIdentifiesAndUsers) {
  const std::vector<Row> rows = MapOrDie(Normalized(
      R"("type":"identify","userId":"u1","traits":{"address":{"street":"6th Street"}})"));
  ASSERT_THAT(Tables(rows), ElementsAre("identifies", "users"));
  EXPECT_EQ(TextOf(rows[0], "address_street"), "6th Street");
  EXPECT_EQ(TextOf(rows[1], "id"), "u1");
  EXPECT_EQ(TextOf(rows[1], "address_street"), "6th Street");
}

TEST(EventMapperTest, SpecVector7NestedPropertyObjectIsFlattened) {
  const std::vector<Row> rows = MapOrDie(Track("E", R"({"product_id":{"sku":"G-32"}})"));
  EXPECT_EQ(TextOf(rows[1], "product_id_sku"), "G-32");
  EXPECT_EQ(rows[1].Find("product_id"), nullptr);
}

TEST(EventMapperTest, SpecVector8ArrayIsCompactJsonString) {
  const std::vector<Row> rows = MapOrDie(
      Track("E", R"({"product_id":[ "507f1", "505bd" ], "mixed":[1, 2.50, {"a": null}, true]})"));
  EXPECT_EQ(TypeOf(rows[1], "product_id"), ColumnType::kString);
  EXPECT_EQ(TextOf(rows[1], "product_id"), R"(["507f1","505bd"])");
  EXPECT_EQ(TextOf(rows[1], "mixed"), R"([1,2.5,{"a":null},true])");
}

TEST(EventMapperTest, SpecVector9CamelCaseContextKeys) {
  const std::vector<Row> rows = MapOrDie(
      Normalized(R"("type":"track","userId":"u1","event":"E",)"
                 R"("context":{"userAgent":"Mozilla/5.0","device":{"adTrackingEnabled":true}})"));
  EXPECT_EQ(TypeOf(rows[0], "context_user_agent"), ColumnType::kString);
  EXPECT_EQ(TypeOf(rows[0], "context_device_ad_tracking_enabled"), ColumnType::kBoolean);
  EXPECT_TRUE(CellOf(rows[0], "context_device_ad_tracking_enabled").boolean);
}

TEST(EventMapperTest, SpecVector10UserAgentData) {
  const std::vector<Row> rows = MapOrDie(Normalized(
      R"("type":"track","userId":"u1","event":"E","context":{"userAgentData":)"
      R"({"brands":[{"brand":"Chromium","version":"124"}],"mobile":false,"platform":"macOS"}})"));
  EXPECT_EQ(TypeOf(rows[0], "context_user_agent_data_brands"), ColumnType::kString);
  EXPECT_EQ(TextOf(rows[0], "context_user_agent_data_brands"),
            R"([{"brand":"Chromium","version":"124"}])");
  EXPECT_EQ(TypeOf(rows[0], "context_user_agent_data_mobile"), ColumnType::kBoolean);
  EXPECT_FALSE(CellOf(rows[0], "context_user_agent_data_mobile").boolean);
  EXPECT_EQ(TextOf(rows[0], "context_user_agent_data_platform"), "macOS");
}

TEST(EventMapperTest, SpecVector11IdentifyAndUsersColumnSets) {
  const std::vector<Row> rows = MapOrDie(Normalized(
      R"("type":"identify","userId":"u1","anonymousId":"a1","sentAt":"2024-01-01T00:00:10.000000Z",)"
      R"("originalTimestamp":"2024-01-01T00:00:00.000000Z","timestamp":"2024-01-01T00:05:00.000000Z",)"
      R"("context":{"library":{"name":"analytics.js"}},"traits":{"email":"x@y.z","firstName":"X"})"));
  ASSERT_THAT(Tables(rows), ElementsAre("identifies", "users"));
  EXPECT_THAT(Names(rows[0]), ElementsAre("id", "anonymous_id", "user_id", "received_at", "sent_at",
                                          "original_timestamp", "timestamp", "uuid_ts", "loaded_at",
                                          "context_library_name", "email", "first_name"));
  EXPECT_EQ(RowToDebugJson(rows[1]),
            DebugRow("users", {S("id", "u1"), T("received_at", kReceived), T("uuid_ts", kLoaded),
                               T("loaded_at", kLoaded), S("context_library_name", "analytics.js"),
                               S("email", "x@y.z"), S("first_name", "X")}));
  EXPECT_EQ(rows[1].insert_id, "m1");
}

TEST(EventMapperTest, SpecVector12PageColumns) {
  const std::vector<Row> rows = MapOrDie(
      Normalized(R"("type":"page","anonymousId":"a1","name":"Home","category":"Docs","properties":)"
                 R"({"title":"T","url":"https://x/","path":"/","referrer":"r","search":"?q"})"));
  ASSERT_THAT(Tables(rows), ElementsAre("pages"));
  for (const char* c : {"name", "category", "title", "url", "path", "referrer", "search"}) {
    EXPECT_EQ(TypeOf(rows[0], c), ColumnType::kString) << c;
  }
  EXPECT_EQ(TextOf(rows[0], "name"), "Home");
  EXPECT_EQ(TextOf(rows[0], "category"), "Docs");
}

TEST(EventMapperTest, SpecVector13ScreenColumns) {
  const std::vector<Row> rows = MapOrDie(Normalized(
      R"("type":"screen","userId":"u1","name":"Feed","properties":{"Feed Type":"private"})"));
  ASSERT_THAT(Tables(rows), ElementsAre("screens"));
  EXPECT_EQ(TextOf(rows[0], "name"), "Feed");
  EXPECT_EQ(TextOf(rows[0], "feed_type"), "private");
}

TEST(EventMapperTest, SpecVector14GroupColumnsAndAccountsRow) {
  const std::vector<Row> rows = MapOrDie(Normalized(
      R"("type":"group","userId":"u1","groupId":"g1","traits":{"name":"Initech","employeeCount":420})"));
  ASSERT_THAT(Tables(rows), ElementsAre("groups", "accounts"));
  EXPECT_EQ(TextOf(rows[0], "group_id"), "g1");
  EXPECT_EQ(TextOf(rows[0], "name"), "Initech");
  EXPECT_EQ(TypeOf(rows[0], "employee_count"), ColumnType::kInteger);
  EXPECT_EQ(CellOf(rows[0], "employee_count").integer, 420);
  EXPECT_THAT(Names(rows[1]),
              ElementsAre("id", "received_at", "uuid_ts", "loaded_at", "name", "employee_count"));
  EXPECT_EQ(TextOf(rows[1], "id"), "g1");
  EXPECT_EQ(rows[1].insert_id, "m1");
}

TEST(EventMapperTest, SpecVector15AliasColumns) {
  const std::vector<Row> rows =
      MapOrDie(Normalized(R"("type":"alias","userId":"u2","previousId":"a1")"));
  ASSERT_THAT(Tables(rows), ElementsAre("aliases"));
  EXPECT_EQ(RowToDebugJson(rows[0]),
            DebugRow("aliases",
                     {S("id", "m1"), S("user_id", "u2"), T("received_at", kReceived),
                      T("uuid_ts", kLoaded), T("loaded_at", kLoaded), S("previous_id", "a1")}));
}

TEST(EventMapperTest, SpecVector16MessageIdIsId) {
  const std::vector<Row> rows = MapOrDie(
      R"({"type":"track","messageId":"ajs-123","receivedAt":"2024-01-01T00:05:10.000000Z",)"
      R"("anonymousId":"a1","event":"E"})");
  for (const Row& row : rows) {
    EXPECT_EQ(TextOf(row, "id"), "ajs-123");
    EXPECT_EQ(row.insert_id, "ajs-123");
  }
}

TEST(EventMapperTest, SpecVector17ValueTypes) {
  const std::vector<Row> rows = MapOrDie(
      Track("E", R"({"quantity":2,"inStock":true,"createdAt":"2024-05-01T12:00:00.000Z"})"));
  const Row& row = rows[1];
  EXPECT_EQ(TypeOf(row, "quantity"), ColumnType::kInteger);
  EXPECT_EQ(TypeOf(row, "in_stock"), ColumnType::kBoolean);
  EXPECT_EQ(TypeOf(row, "created_at"), ColumnType::kTimestamp);
  EXPECT_EQ(CellOf(row, "created_at").micros, 1714564800000000);
  EXPECT_EQ(TextOf(row, "created_at"), "2024-05-01T12:00:00.000Z");
}

TEST(EventMapperTest, SpecVector18NullMakesNoColumn) {
  const std::vector<Row> rows = MapOrDie(Track("E", R"({"coupon":null})"));
  EXPECT_EQ(rows[1].Find("coupon"), nullptr);
  EXPECT_THAT(Names(rows[1]), Names(rows[0]));
}

TEST(EventMapperTest, SpecVector20PropertyNames) {
  const std::vector<Row> rows = MapOrDie(Track(
      "E",
      R"({"productID":"p","$price":1,"a.b":"dot","a-b":"dash","first name":"f","HTMLParser":"h"})"));
  EXPECT_THAT(Names(rows[1]),
              ElementsAre("id", "anonymous_id", "received_at", "uuid_ts", "loaded_at", "event",
                          "event_text", "product_id", "price", "a_b", "first_name", "htmlparser"));
  EXPECT_EQ(TextOf(rows[1], "a_b"), "dot");  // first non-null value wins
}

TEST(EventMapperTest, SpecVector21ReservedPropertyIsPrefixed) {
  const std::vector<Row> rows = MapOrDie(
      Normalized(R"("type":"track","userId":"u1","event":"E","properties":{"user_id":"x"})"));
  EXPECT_EQ(TextOf(rows[1], "user_id"), "u1");
  EXPECT_EQ(TextOf(rows[1], "_user_id"), "x");
}

TEST(EventMapperTest, SpecVector22CorrectedTimestampsAreCopied) {
  const std::vector<Row> rows = MapOrDie(
      R"({"type":"track","messageId":"m1","anonymousId":"a1","event":"E",)"
      R"("receivedAt":"2024-01-01T00:05:10.000000Z","sentAt":"2024-01-01T00:00:10.000000Z",)"
      R"("originalTimestamp":"2024-01-01T00:00:00.000000Z","timestamp":"2024-01-01T00:05:00.000000Z"})");
  for (const Row& row : rows) {
    EXPECT_EQ(TextOf(row, "timestamp"), "2024-01-01T00:05:00.000000Z");
    EXPECT_EQ(TextOf(row, "original_timestamp"), "2024-01-01T00:00:00.000000Z");
    EXPECT_EQ(TextOf(row, "received_at"), "2024-01-01T00:05:10.000000Z");
    EXPECT_EQ(CellOf(row, "timestamp").micros, 1704067500000000);
    EXPECT_EQ(row.received_at, absl::FromUnixSeconds(1704067510));
  }
}

TEST(EventMapperTest, SpecVector24EachIdentifyGivesAUsersRow) {
  EventMapper mapper;
  const std::vector<Row> first =
      MapOrDie(mapper, Normalized(R"("type":"identify","userId":"u1","traits":{"plan":"free"})"));
  const std::vector<Row> second = MapOrDie(
      mapper, R"({"type":"identify","messageId":"m2","receivedAt":"2024-01-02T00:00:00.000000Z",)"
              R"("userId":"u1","traits":{"plan":"pro"}})");
  const Row& a = RowOf(first, "users");
  const Row& b = RowOf(second, "users");
  EXPECT_EQ(TextOf(a, "id"), "u1");
  EXPECT_EQ(TextOf(b, "id"), "u1");
  EXPECT_EQ(a.insert_id, "m1");
  EXPECT_EQ(b.insert_id, "m2");  // distinct insert ids: BigQuery keeps both rows
  EXPECT_EQ(TextOf(a, "plan"), "free");
  EXPECT_EQ(TextOf(b, "plan"), "pro");
  EXPECT_EQ(TextOf(b, "loaded_at"), kLoaded);
}

TEST(EventMapperTest, SpecVector28MergedBatchContextBecomesColumns) {
  const std::vector<Row> rows = MapOrDie(Normalized(
      R"("type":"track","anonymousId":"a1","event":"E","context":{"device":{"type":"phone"}})"));
  EXPECT_EQ(TextOf(RowOf(rows, "tracks"), "context_device_type"), "phone");
}

TEST(EventMapperTest, SpecVector29AssignedMessageIdIsNonNullId) {
  const std::vector<Row> rows = MapOrDie(
      R"({"type":"track","messageId":"srv-5b1e","receivedAt":"2024-01-01T00:05:10.000000Z",)"
      R"("anonymousId":"a1","event":"E"})");
  EXPECT_EQ(TextOf(rows[0], "id"), "srv-5b1e");
  std::vector<Row> none;
  EventMapper mapper;
  const absl::Status s = mapper.Map(R"({"type":"track","receivedAt":"2024-01-01T00:05:10.000000Z",)"
                                    R"("anonymousId":"a1","event":"E"})",
                                    testing::LoadedAt(), &none);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("\"messageId\" is missing"));
  EXPECT_THAT(none, IsEmpty());
}

}  // namespace
}  // namespace opentrack::warehouse_schema
