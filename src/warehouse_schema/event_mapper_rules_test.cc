// The lead's naming and typing rules (docs/schema-rules.md) as seen in mapped
// rows, and the errors for input that is not a normalized event.
#include <regex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "warehouse_schema/event_mapper.h"
#include "warehouse_schema/mapper_test_util.h"
#include "warehouse_schema/naming.h"
#include "warehouse_schema/row_encoder.h"
#include "warehouse_schema/schema_planner.h"

namespace opentrack::warehouse_schema {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MapOrDie;
using testing::Names;
using testing::Normalized;
using ::testing::Not;
using testing::RowOf;
using testing::Tables;

std::string Track(std::string_view event, std::string_view properties) {
  return Normalized(R"("type":"track","anonymousId":"a1","event":")" + std::string(event) +
                    R"(","properties":)" + std::string(properties));
}

std::string TextOf(const Row& row, std::string_view name) {
  const Cell* c = row.Find(name);
  return c == nullptr ? "<none>" : std::string(row.Text(*c));
}

TEST(EventMapperRulesTest, EventTableNameRules) {
  EXPECT_THAT(Tables(MapOrDie(Track("2FA Enabled", "{}"))), ElementsAre("tracks", "_2fa_enabled"));
  EXPECT_THAT(Tables(MapOrDie(Track("Tracks", "{}"))), ElementsAre("tracks", "_tracks"));
  const std::vector<Row> rows = MapOrDie(Track("日本語", "{}"));
  EXPECT_EQ(rows[1].table, "event_" + HashHex("日本語"));
  EXPECT_EQ(TextOf(rows[0], "event"), rows[1].table);  // the event column holds the table name
  EXPECT_EQ(TextOf(rows[0], "event_text"), "日本語");
}

TEST(EventMapperRulesTest, ColumnNameRules) {
  const std::vector<Row> rows =
      MapOrDie(Track("E", R"({"3d_secure":true,"日本語":"jp","id":"p"})"));
  EXPECT_THAT(Names(rows[1]), Contains("_3d_secure"));
  EXPECT_EQ(TextOf(rows[1], "_" + HashHex("日本語")), "jp");
  EXPECT_EQ(TextOf(rows[1], "id"), "m1");
  EXPECT_EQ(TextOf(rows[1], "_id"), "p");
}

TEST(EventMapperRulesTest, ReservedNamesDependOnTheTable) {
  const std::vector<Row> track = MapOrDie(Track("E", R"({"name":"n","category":"c","event":"e"})"));
  EXPECT_THAT(Names(track[1]), Contains("name"));
  EXPECT_THAT(Names(track[1]), Contains("category"));
  EXPECT_EQ(TextOf(track[1], "_event"), "e");
  const std::vector<Row> page = MapOrDie(Normalized(
      R"("type":"page","anonymousId":"a1","name":"Home","properties":{"name":"n","category":"c"})"));
  EXPECT_EQ(TextOf(page[0], "name"), "Home");
  EXPECT_EQ(TextOf(page[0], "_name"), "n");
  EXPECT_EQ(TextOf(page[0], "_category"), "c");
  const std::vector<Row> screen = MapOrDie(
      Normalized(R"("type":"screen","anonymousId":"a1","properties":{"name":"n","category":"c"})"));
  EXPECT_EQ(TextOf(screen[0], "_name"), "n");
  EXPECT_EQ(TextOf(screen[0], "category"), "c");
  const std::vector<Row> group = MapOrDie(Normalized(
      R"("type":"group","anonymousId":"a1","groupId":"g1","traits":{"groupId":"x","id":"y"})"));
  EXPECT_EQ(TextOf(group[0], "_group_id"), "x");
  EXPECT_EQ(TextOf(group[1], "group_id"), "x");  // accounts has no group_id column of its own
  EXPECT_EQ(TextOf(group[1], "id"), "g1");
  EXPECT_EQ(TextOf(group[1], "_id"), "y");
  const std::vector<Row> alias = MapOrDie(
      Normalized(R"("type":"alias","userId":"u","previousId":"p","traits":{"previousId":"t"})"));
  EXPECT_EQ(TextOf(alias[0], "previous_id"), "p");
  EXPECT_EQ(TextOf(alias[0], "_previous_id"), "t");
}

TEST(EventMapperRulesTest, SamePathInDifferentShapesFirstNonNullWins) {
  const std::vector<Row> rows =
      MapOrDie(Track("E", R"({"a":{"b":null},"a-b":"second","a.b":"third","context_ip":"p"})"));
  EXPECT_EQ(TextOf(rows[1], "a_b"), "second");
  const std::vector<Row> ctx = MapOrDie(
      Normalized(R"("type":"track","anonymousId":"a1","event":"E","context":{"ip":"1.2.3.4"},)"
                 R"("properties":{"context_ip":"p"})"));
  EXPECT_EQ(TextOf(ctx[1], "context_ip"), "1.2.3.4");  // context comes before properties
}

TEST(EventMapperRulesTest, NumberTypes) {
  const std::vector<Row> rows = MapOrDie(Track(
      "E",
      R"({"i":-5,"big":18446744073709551615,"e":1e3,"one":1.0,"d":"2024-05-01","dt":"2024-05-01 10:00"})"));
  const Row& r = rows[1];
  EXPECT_EQ(r.Find("i")->type, ColumnType::kInteger);
  EXPECT_EQ(r.Find("big")->type, ColumnType::kFloat);
  EXPECT_EQ(r.Find("e")->type, ColumnType::kFloat);
  EXPECT_EQ(r.Find("one")->type, ColumnType::kFloat);
  EXPECT_EQ(r.Find("d")->type, ColumnType::kString);  // date-only stays a string
  EXPECT_EQ(r.Find("dt")->type, ColumnType::kTimestamp);
}

TEST(EventMapperRulesTest, EmptyObjectsYieldNothingAndUnknownKeysAreIgnored) {
  const std::vector<Row> rows = MapOrDie(Normalized(
      R"("type":"track","anonymousId":"a1","event":"E","properties":{"o":{}},"context":{},)"
      R"("integrations":{"All":true},"_source":"web","writeKey":"k","version":2,"channel":"server")"));
  EXPECT_THAT(Names(rows[1]), ElementsAre("id", "anonymous_id", "received_at", "uuid_ts",
                                          "loaded_at", "event", "event_text"));
}

TEST(EventMapperRulesTest, AnonymousIdentifyHasNoUsersRow) {
  EXPECT_THAT(Tables(MapOrDie(Normalized(R"("type":"identify","anonymousId":"a1")"))),
              ElementsAre("identifies"));
}

TEST(EventMapperRulesTest, NamesStayValidForBigQuery) {
  const std::regex valid("^[a-z_][a-z0-9_]{0,299}$");
  const std::regex reserved_prefix(
      "^(_table_|_file_|_partition|_row_timestamp|__root__|_colidentifier|"
      "_change_sequence_number|_change_type|_change_timestamp).*");
  const std::string long_key(500, 'K');
  const std::vector<std::string> keys = {"_PARTITIONTIME",
                                         "_TABLE_SUFFIX",
                                         "__root__",
                                         "_FILE_NAME",
                                         "_CHANGE_TYPE",
                                         "3d",
                                         "日本語",
                                         "$$",
                                         "",
                                         "id",
                                         "user_id",
                                         "_id",
                                         "_colIdentifier",
                                         "9" + long_key,
                                         long_key,
                                         "a.b.c",
                                         "ROW_TIMESTAMP",
                                         "table_",
                                         "partition",
                                         "__",
                                         "Ünïcödé"};
  std::string props = "{";
  for (size_t i = 0; i < keys.size(); ++i) {
    props += (i ? "," : "") + ("\"" + keys[i] + "\":" + std::to_string(i));
  }
  props += R"(,"nested":{"_TABLE_":{"$$":1},"7":2}})";
  EventMapper mapper;
  std::vector<Row> rows = MapOrDie(mapper, Track("E", props));
  for (const Row& row : MapOrDie(mapper, Normalized(R"("type":"identify","userId":"u","traits":)" +
                                                    props + R"(,"context":)" + props))) {
    rows.push_back(row);
  }
  // Sibling names too: every value type against a column of another type.
  const TableSchema clashing = {{std::string(300, 'z'), ColumnType::kBoolean}};
  Row sibling;
  sibling.AddInteger(std::string(300, 'z'), 1);
  const SchemaPlan plan = PlanSchema(clashing, std::vector<Row>{sibling});
  ASSERT_EQ(plan.new_columns.size(), 1u);
  std::vector<std::string> names = {plan.new_columns[0].name};
  for (const Row& row : rows) {
    for (const std::string& n : Names(row)) names.push_back(n);
  }
  EXPECT_GT(names.size(), 60u);
  for (const std::string& n : names) {
    EXPECT_TRUE(std::regex_match(n, valid)) << n;
    EXPECT_FALSE(std::regex_match(n, reserved_prefix)) << n;
  }
}

TEST(EventMapperRulesTest, RejectsInputThatIsNotANormalizedEvent) {
  struct Case {
    std::string json;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"{", "normalized event: not valid JSON"},
      {"[1]", "normalized event: not a JSON object"},
      {Normalized(R"("anonymousId":"a")"), "\"type\" is missing"},
      {Normalized(R"("type":"rollup","anonymousId":"a")"),
       "\"type\" must be track, identify, page, screen, group or alias; got \"rollup\""},
      {Normalized(R"("type":"track","anonymousId":"a")"), "track without \"event\""},
      {Normalized(R"("type":"group","anonymousId":"a")"), "group without \"groupId\""},
      {Normalized(R"("type":"alias","anonymousId":"a")"), "alias without \"previousId\""},
      {Normalized(R"("type":"identify")"), "neither \"userId\" nor \"anonymousId\" is present"},
      {Normalized(R"("type":"identify","userId":7)"), "\"userId\" must be a string"},
      {Normalized(R"("type":"identify","userId":"u","traits":[])"), "\"traits\" must be an object"},
      {Normalized(R"("type":"identify","userId":"u","sentAt":"soon")"),
       "\"sentAt\" is not an RFC 3339 timestamp: \"soon\""},
      {R"({"type":"identify","messageId":"m","userId":"u"})", "\"receivedAt\" is missing"},
  };
  EventMapper mapper;
  for (const Case& c : cases) {
    std::vector<Row> rows;
    const absl::Status s = mapper.Map(c.json, testing::LoadedAt(), &rows);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.message)) << c.json;
    EXPECT_THAT(rows, IsEmpty());
  }
}

TEST(EventMapperRulesTest, MapperIsReusableAcrossEvents) {
  EventMapper mapper;
  for (int i = 0; i < 3; ++i) {
    const std::vector<Row> rows =
        MapOrDie(mapper, Track("E", R"({"x":)" + std::to_string(i) + R"(,"y":{"z":"w"}})"));
    EXPECT_EQ(rows[1].Find("x")->integer, i);
    EXPECT_EQ(TextOf(rows[1], "y_z"), "w");
  }
}

}  // namespace
}  // namespace opentrack::warehouse_schema
