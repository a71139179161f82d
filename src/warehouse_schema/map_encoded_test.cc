// EventMapper::MapEncoded must write exactly what Map + PlanSchema +
// AppendEncodedRow write whenever it accepts an event, and decline every event
// that needs the planner.
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "warehouse_schema/event_mapper.h"
#include "warehouse_schema/internal/value_router.h"
#include "warehouse_schema/mapper_test_util.h"
#include "warehouse_schema/row_encoder.h"
#include "warehouse_schema/schema_index.h"
#include "warehouse_schema/schema_planner.h"

namespace opentrack::warehouse_schema {
namespace {

using testing::LoadedAt;
using testing::MapOrDie;
using testing::Normalized;

// Schemas grown the way the loader grows them: every table's plan applied.
class Schemas {
 public:
  void Learn(const std::vector<Row>& rows) {
    for (const Row& row : rows) {
      TableSchema& schema = schemas_[row.table];
      schema = ApplyPlan(schema, PlanSchema(schema, std::span<const Row>(&row, 1)));
      indexes_.erase(row.table);
    }
  }
  // Gives `column` of `table` another type, as if another writer made it so.
  void Retype(const std::string& table, const std::string& column, ColumnType type) {
    for (Column& c : schemas_[table]) {
      if (c.name == column) c.type = type;
    }
    indexes_.erase(table);
  }
  // Retype(), keeping the table's SchemaIndex object: the column is removed
  // and added again in it, which gives it a new generation.
  void RetypeInPlace(const std::string& table, const std::string& column, ColumnType type) {
    for (Column& c : schemas_[table]) {
      if (c.name == column) c.type = type;
    }
    SchemaIndex& index = indexes_[table];
    index.Remove(column);
    index.Add(column, type);
  }
  const SchemaIndex* Find(std::string_view table) {
    auto it = schemas_.find(std::string(table));
    if (it == schemas_.end()) return nullptr;
    auto [index, added] = indexes_.try_emplace(it->first);
    if (added) index->second = SchemaIndex(it->second);
    return &index->second;
  }
  const TableSchema& Of(const std::string& table) { return schemas_[table]; }

  // Where MapEncoded writes: each table's rows pile up over a test, as in a
  // loader's batches (an event's rows land after other events' rows).
  TableOutput Output(std::string_view table) {
    return {Find(table), &outputs_[std::string(table)]};
  }
  EncodedRows& Rows(const std::string& table) { return outputs_[table]; }
  std::map<std::string, size_t> RowCounts() const {
    std::map<std::string, size_t> counts;
    for (const auto& [table, rows] : outputs_) counts[table] = rows.size();
    return counts;
  }

 private:
  std::map<std::string, TableSchema> schemas_;
  std::map<std::string, SchemaIndex> indexes_;
  std::map<std::string, EncodedRows> outputs_;
};

// One row MapEncoded wrote, copied out of its table's EncodedRows.
struct EncodedTableRow {
  std::string table;
  std::string insert_id;
  absl::Time received_at;
  std::string json;
};

// MapEncoded's rows for `json`, in the order it asked for their tables; `ok`
// says whether it accepted the event. A declined event must leave every
// table's rows as they were.
std::vector<EncodedTableRow> Encode(EventMapper& mapper, Schemas& schemas, std::string_view json,
                                    bool* ok, absl::Time loaded_at = LoadedAt(),
                                    size_t readable_after_end = 0) {
  std::map<std::string, size_t> next = schemas.RowCounts();
  std::vector<std::string> order;
  absl::StatusOr<bool> r = mapper.MapEncoded(
      json, loaded_at,
      [&](std::string_view t) {
        order.emplace_back(t);
        next.try_emplace(std::string(t), 0);
        return schemas.Output(t);
      },
      readable_after_end);
  EXPECT_TRUE(r.ok()) << r.status() << " for " << json;
  *ok = r.ok() && *r;
  std::vector<EncodedTableRow> rows;
  if (!*ok) {
    for (const auto& [table, count] : schemas.RowCounts()) EXPECT_EQ(count, next[table]) << table;
    return rows;
  }
  for (const std::string& table : order) {
    const EncodedRows& out = schemas.Rows(table);
    const size_t i = next[table]++;
    if (i >= out.size()) {
      ADD_FAILURE() << "no row in " << table << " for " << json;
      break;
    }
    rows.push_back(
        {table, std::string(out.insert_id(i)), out.received_at(i), std::string(out.json(i))});
  }
  EXPECT_EQ(schemas.RowCounts(), next) << "rows MapEncoded did not ask a table for";
  return rows;
}

// True when AppendEncodedRow can store every cell of `rows` (in its own
// column or an existing sibling) without new columns or quarantine: the
// events MapEncoded must accept.
bool PlannerHasNothingToDo(Schemas& schemas, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    const SchemaIndex* index = schemas.Find(row.table);
    if (index == nullptr) return false;
    std::vector<std::string> claims;
    for (const Cell& cell : row.cells) {
      if (internal::RouteCell(row, cell, *index, &claims).kind != internal::Placement::kStore) {
        return false;
      }
    }
  }
  return true;
}

// MapEncoded accepts `json` exactly when the planner has nothing to do, and
// then writes what the planning path writes. Returns whether it accepted.
bool ExpectSameAsPlanningPath(EventMapper& mapper, Schemas& schemas, const std::string& json) {
  const std::vector<Row> rows = MapOrDie(mapper, json);
  bool ok = false;
  const std::vector<EncodedTableRow> encoded = Encode(mapper, schemas, json, &ok);
  const std::string head = json.substr(0, 160);
  EXPECT_EQ(ok, PlannerHasNothingToDo(schemas, rows)) << head;
  if (!ok) return false;
  EXPECT_EQ(encoded.size(), rows.size()) << head;
  for (size_t i = 0; i < rows.size() && i < encoded.size(); ++i) {
    std::string want;
    AppendEncodedRow(rows[i], SchemaIndex(schemas.Of(rows[i].table)), &want);
    EXPECT_EQ(encoded[i].json, want) << head;
    EXPECT_EQ(encoded[i].table, rows[i].table);
    EXPECT_EQ(encoded[i].insert_id, rows[i].insert_id);
    EXPECT_EQ(encoded[i].received_at, rows[i].received_at);
  }
  return true;
}

const std::vector<std::string>& Varied() {
  static const auto* events = new std::vector<std::string>{
      Normalized(R"("type":"track","event":"Order Completed","userId":"u1",
        "sentAt":"2024-01-01T00:05:09.5Z","originalTimestamp":"2024-01-01T00:05:09Z",
        "timestamp":"2024-01-01T00:05:10.5+00:00",
        "context":{"ip":"1.2.3.4","library":{"name":"analytics.js","version":"2.1"},
          "page":{"url":"https://x.test/a?b=\"c\""},"locale":"fr-FR","screen":{"width":1440}},
        "properties":{"total":19.99,"count":3,"big":18446744073709551615,"gift":true,
          "products":[{"id":"p1","price":1.5},{"id":"p2","tags":["a","\u00e9"]}],
          "when":"2024-02-03T04:05:06Z","note":"line\nbreak \u00e9\u2028 \"q\"",
          "id":"reserved","event":"also reserved","orderId":"o1","order_id":"dup","nested":{"a":{"b":1}},
          "nothing":null,
          "quoted":["say \"hi\"","back\\slash"],"mixed":[1,-2.5,1e300,true,null,{"k":"v","n":[]}],
          "empty":[],"deep":[[["x"]]]})"),
      Normalized(R"("type":"identify","userId":"u1","anonymousId":"a1",
        "traits":{"email":"a@b.test","plan":"pro","logins":4,"createdAt":"2023-12-31T23:00:00Z",
          "address":{"city":"Paris"},"received_at":"reserved"})"),
      Normalized(R"("type":"identify","anonymousId":"a2","traits":{"email":"x@y.test"})"),
      Normalized(R"("type":"group","userId":"u1","groupId":"g1",
        "traits":{"name":"Acme","employees":50,"id":"shadow"},"context":{"ip":"5.6.7.8"})"),
      Normalized(R"("type":"page","userId":"u1","name":"Home","category":"Docs",
        "properties":{"path":"/","title":"Home","url":"https://x.test/","name":"shadow"})"),
      Normalized(R"("type":"screen","anonymousId":"a1","name":"Settings",
        "properties":{"from":"menu"})"),
      Normalized(R"("type":"alias","userId":"u2","previousId":"a1","traits":{"k":"v"})"),
  };
  return *events;
}

TEST(MapEncodedTest, WritesWhatThePlanningPathWrites) {
  EventMapper mapper;
  Schemas schemas;
  for (const std::string& json : Varied()) schemas.Learn(MapOrDie(mapper, json));
  for (const std::string& json : Varied()) {
    EXPECT_TRUE(ExpectSameAsPlanningPath(mapper, schemas, json));
  }
}

// The shared sample, with the receivedAt the collector would add: every event
// (719 tracks, pages, identifies, groups) encodes the same both ways.
TEST(MapEncodedTest, SampleEventsEncodeAsThePlanningPath) {
  std::ifstream in(OPENTRACK_SAMPLE_EVENTS);
  std::vector<std::string> events;
  for (std::string line; std::getline(in, line);) {
    if (line.size() < 2) continue;
    events.push_back(R"({"receivedAt":"2024-06-01T00:00:01.000000Z",)" + line.substr(1));
  }
  if (events.empty()) GTEST_SKIP() << "no sample at " << OPENTRACK_SAMPLE_EVENTS;
  EventMapper mapper;
  Schemas schemas;
  for (const std::string& json : events) schemas.Learn(MapOrDie(mapper, json));
  size_t accepted = 0;
  for (const std::string& json : events)
    accepted += ExpectSameAsPlanningPath(mapper, schemas, json);
  // Some go to sibling columns (an integral revenue first, fractional ones
  // later: revenue_float), which MapEncoded writes too.
  EXPECT_EQ(accepted, events.size());
}

// Text with simdjson's padding after it is parsed in place: the same rows as
// from the copy, and the bytes after the text (here braces and quotes, which
// would change the document if they were read as part of it) are not used.
TEST(MapEncodedTest, PaddedInputParsedInPlaceGivesTheSameRows) {
  EventMapper mapper;
  Schemas schemas;
  for (const std::string& json : Varied()) schemas.Learn(MapOrDie(mapper, json));
  for (const std::string& json : Varied()) {
    const std::string padded = json + std::string(simdjson::SIMDJSON_PADDING, '}') + "\"";
    const std::string_view text(padded.data(), json.size());
    bool ok = false;
    const std::vector<EncodedTableRow> copied = Encode(mapper, schemas, json, &ok);
    ASSERT_TRUE(ok);
    const std::vector<EncodedTableRow> in_place =
        Encode(mapper, schemas, text, &ok, LoadedAt(), padded.size() - json.size());
    ASSERT_TRUE(ok);
    ASSERT_EQ(in_place.size(), copied.size()) << json;
    for (size_t i = 0; i < copied.size(); ++i) EXPECT_EQ(in_place[i].json, copied[i].json);
    std::vector<Row> rows_copied, rows_in_place;
    ASSERT_TRUE(mapper.Map(json, LoadedAt(), &rows_copied).ok());
    ASSERT_TRUE(mapper.Map(text, LoadedAt(), &rows_in_place, padded.size() - json.size()).ok());
    EXPECT_EQ(rows_in_place.size(), rows_copied.size());
  }
}

// Rows of different tables may share one EncodedRows (the second row of an
// event then copies shared cells from earlier in the buffer it grows): the
// same bytes as with a buffer per table.
TEST(MapEncodedTest, OneBufferForEveryTableGivesTheSameRows) {
  EventMapper mapper;
  Schemas schemas;
  for (const std::string& json : Varied()) schemas.Learn(MapOrDie(mapper, json));
  EncodedRows shared;
  for (int pass = 0; pass < 3; ++pass) {
    for (const std::string& json : Varied()) {
      bool ok = false;
      const std::vector<EncodedTableRow> want = Encode(mapper, schemas, json, &ok);
      ASSERT_TRUE(ok);
      const size_t before = shared.size();
      absl::StatusOr<bool> r = mapper.MapEncoded(json, LoadedAt(), [&](std::string_view t) {
        return TableOutput{schemas.Find(t), &shared};
      });
      ASSERT_TRUE(r.ok() && *r) << json;
      ASSERT_EQ(shared.size(), before + want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(shared.json(before + i), want[i].json);
        EXPECT_EQ(shared.insert_id(before + i), want[i].insert_id);
      }
    }
  }
}

// The mapper keeps its buffers, caches and the loaded_at text between events:
// an event encoded again, after others, gives the same bytes, and a new load
// time gives its own uuid_ts and loaded_at (as the planning path writes them).
TEST(MapEncodedTest, ReusedBuffersGiveTheSameBytesOnLaterEvents) {
  EventMapper mapper;
  Schemas schemas;
  for (const std::string& json : Varied()) schemas.Learn(MapOrDie(mapper, json));
  const auto encode = [&](const std::string& json, absl::Time loaded_at) {
    bool ok = false;
    std::vector<EncodedTableRow> rows = Encode(mapper, schemas, json, &ok, loaded_at);
    EXPECT_TRUE(ok) << json;
    return rows;
  };
  std::vector<std::vector<EncodedTableRow>> first;
  for (const std::string& json : Varied()) first.push_back(encode(json, LoadedAt()));
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < Varied().size(); ++i) {
      const std::vector<EncodedTableRow> again = encode(Varied()[i], LoadedAt());
      ASSERT_EQ(again.size(), first[i].size());
      for (size_t r = 0; r < again.size(); ++r) EXPECT_EQ(again[r].json, first[i][r].json);
    }
  }
  const absl::Time later = LoadedAt() + absl::Microseconds(1234567);
  for (const std::string& json : Varied()) {
    const std::vector<EncodedTableRow> encoded = encode(json, later);
    std::vector<Row> rows;
    ASSERT_TRUE(mapper.Map(json, later, &rows).ok());
    ASSERT_EQ(encoded.size(), rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      std::string want;
      AppendEncodedRow(rows[r], SchemaIndex(schemas.Of(rows[r].table)), &want);
      EXPECT_EQ(encoded[r].json, want);
      EXPECT_NE(encoded[r].json.find(R"("loaded_at":"2024-01-01T01:00:01.234567Z")"),
                std::string::npos)
          << encoded[r].json;
    }
  }
}

// Integers go into FLOAT columns, integral floats into INTEGER columns and
// anything into STRING columns without the planner, as AppendEncodedRow does.
TEST(MapEncodedTest, AcceptsValuesTheirColumnsTakeAsTheyAre) {
  const std::string json = Normalized(
      R"("type":"track","event":"E","userId":"u","properties":{"a":3,"b":2.0,"c":true,"d":7})");
  EventMapper mapper;
  Schemas schemas;
  schemas.Learn(MapOrDie(mapper, json));
  schemas.Retype("e", "a", ColumnType::kFloat);
  schemas.Retype("e", "b", ColumnType::kInteger);
  schemas.Retype("e", "c", ColumnType::kString);
  schemas.Retype("e", "d", ColumnType::kString);
  EXPECT_TRUE(ExpectSameAsPlanningPath(mapper, schemas, json));
  bool ok = false;
  const std::vector<EncodedTableRow> rows = Encode(mapper, schemas, json, &ok);
  ASSERT_TRUE(ok);
  EXPECT_NE(rows[1].json.find(R"("a":3,"b":"2","c":"true","d":"7")"), std::string::npos)
      << rows[1].json;
}

// A value its column cannot take goes to the typed sibling the planner
// created for it, as AppendEncodedRow routes it.
TEST(MapEncodedTest, WritesSiblingColumnsLikeThePlanner) {
  const std::string first =
      Normalized(R"("type":"track","event":"E","userId":"u","properties":{"n":1,"f":1,"s":"x"})");
  const std::string later = Normalized(
      R"("type":"track","event":"E","userId":"u","properties":{"n":"abc","f":2.5,"s":"y"})");
  EventMapper mapper;
  Schemas schemas;
  schemas.Learn(MapOrDie(mapper, first));
  schemas.Learn(MapOrDie(mapper, later));
  EXPECT_TRUE(ExpectSameAsPlanningPath(mapper, schemas, later));
  bool ok = false;
  const std::vector<EncodedTableRow> rows = Encode(mapper, schemas, later, &ok);
  ASSERT_TRUE(ok);
  EXPECT_NE(rows[1].json.find(R"("n_string":"abc","f_float":2.5,"s":"y")"), std::string::npos)
      << rows[1].json;
}

// RouteCell skips a sibling name that another cell of the row has, even a
// later one; the direct path cannot see later cells, so it declines.
TEST(MapEncodedTest, DeclinesWhenALaterCellHasTheSiblingName) {
  EventMapper mapper;
  Schemas schemas;
  schemas.Learn(MapOrDie(
      mapper, Normalized(R"("type":"track","event":"E","userId":"u","properties":{"n":1})")));
  schemas.Learn(MapOrDie(
      mapper, Normalized(R"("type":"track","event":"E","userId":"u","properties":{"n":"a"})")));
  const std::string json = Normalized(
      R"("type":"track","event":"E","userId":"u","properties":{"n":"b","n_string":"c"})");
  bool ok = true;
  Encode(mapper, schemas, json, &ok);
  EXPECT_FALSE(ok);
  EXPECT_FALSE(PlannerHasNothingToDo(schemas, MapOrDie(mapper, json)));
}

// A track event's context is written once and copied to its second row only
// when both tables type its columns alike; here they do not.
TEST(MapEncodedTest, ContextIsWrittenAgainWhenTheTablesTypeItDifferently) {
  const std::string json = Normalized(
      R"("type":"track","event":"E","userId":"u","context":{"x":5,"y":"s"},"properties":{"p":1})");
  EventMapper mapper;
  Schemas schemas;
  schemas.Learn(MapOrDie(mapper, json));
  schemas.Retype("tracks", "context_x", ColumnType::kFloat);
  schemas.Retype("e", "context_x", ColumnType::kInteger);
  EXPECT_TRUE(ExpectSameAsPlanningPath(mapper, schemas, json));
  bool ok = false;
  const std::vector<EncodedTableRow> rows = Encode(mapper, schemas, json, &ok);
  ASSERT_TRUE(ok);
  EXPECT_NE(rows[0].json.find(R"("context_x":5,)"), std::string::npos) << rows[0].json;
  EXPECT_NE(rows[1].json.find(R"("context_x":"5",)"), std::string::npos) << rows[1].json;
}

// The same for the standard columns a track event's two rows share.
TEST(MapEncodedTest, SharedColumnsAreWrittenAgainWhenTheTablesTypeThemDifferently) {
  const std::string json = Normalized(
      R"("type":"track","event":"E","userId":"u","sentAt":"2024-01-01T00:05:09Z","properties":{"p":1})");
  EventMapper mapper;
  Schemas schemas;
  schemas.Learn(MapOrDie(mapper, json));
  schemas.Retype("e", "sent_at", ColumnType::kString);
  EXPECT_TRUE(ExpectSameAsPlanningPath(mapper, schemas, json));
  bool ok = false;
  const std::vector<EncodedTableRow> rows = Encode(mapper, schemas, json, &ok);
  ASSERT_TRUE(ok);
  EXPECT_NE(rows[0].json.find(R"("sent_at":"2024-01-01T00:05:09.000000Z")"), std::string::npos);
  EXPECT_NE(rows[1].json.find(R"("sent_at":"2024-01-01T00:05:09Z")"), std::string::npos);
}

// One event of each type, all with the same context, so the context's
// guesses serve every table kind in turn.
std::vector<std::string> EveryTypeWithContext(std::string_view context) {
  const std::string c = "\"context\":" + std::string(context);
  return {
      Normalized(R"("type":"track","event":"E","userId":"u",)" + c + R"(,"properties":{"p":1})"),
      Normalized(R"("type":"identify","userId":"u",)" + c + R"(,"traits":{"t":1})"),
      Normalized(R"("type":"page","userId":"u","name":"n",)" + c + R"(,"properties":{"p":1})"),
      Normalized(R"("type":"screen","userId":"u","name":"n",)" + c + R"(,"properties":{"p":1})"),
      Normalized(R"("type":"group","userId":"u","groupId":"g",)" + c + R"(,"traits":{"t":1})"),
      Normalized(R"("type":"alias","userId":"u","previousId":"a",)" + c + R"(,"traits":{"t":1})"),
  };
}

// Every table types the context column its own way: each row must be written
// with its own table's entry while event types alternate (the mapper caches
// each table kind's entries apart).
TEST(MapEncodedTest, ContextColumnsFollowEachTableWhileEventTypesAlternate) {
  const std::vector<std::string> events = EveryTypeWithContext(R"({"x":5,"o":{"y":6}})");
  EventMapper mapper;
  Schemas schemas;
  for (const std::string& json : events) schemas.Learn(MapOrDie(mapper, json));
  const std::pair<const char*, ColumnType> types[] = {
      {"tracks", ColumnType::kString},    {"e", ColumnType::kFloat},
      {"identifies", ColumnType::kFloat}, {"users", ColumnType::kString},
      {"pages", ColumnType::kString},     {"screens", ColumnType::kFloat},
      {"groups", ColumnType::kString},    {"accounts", ColumnType::kFloat},
      {"aliases", ColumnType::kString}};
  for (const auto& [table, type] : types) {
    schemas.Retype(table, "context_x", type);
    schemas.Retype(table, "context_o_y",
                   type == ColumnType::kString ? ColumnType::kFloat : ColumnType::kString);
  }
  for (int round = 0; round < 3; ++round) {
    for (const std::string& json : events) {
      EXPECT_TRUE(ExpectSameAsPlanningPath(mapper, schemas, json)) << round;
    }
  }
  bool ok = false;
  const std::vector<EncodedTableRow> rows = Encode(mapper, schemas, events[1], &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].json.find(R"("context_x":5,"context_o_y":"6")"), std::string::npos)
      << rows[0].json;
  EXPECT_NE(rows[1].json.find(R"("context_x":"5","context_o_y":6)"), std::string::npos)
      << rows[1].json;
}

// A table's schema changing in place (same SchemaIndex, new generation) must
// not leave a field or a standard column on the entry it had before.
TEST(MapEncodedTest, CachedColumnsFollowASchemaChangedInPlace) {
  const std::vector<std::string> events = EveryTypeWithContext(R"({"x":5})");
  EventMapper mapper;
  Schemas schemas;
  for (const std::string& json : events) schemas.Learn(MapOrDie(mapper, json));
  for (const std::string& json : events)
    EXPECT_TRUE(ExpectSameAsPlanningPath(mapper, schemas, json));
  for (const char* table : {"tracks", "e", "identifies", "users", "pages", "screens", "groups",
                            "accounts", "aliases"}) {
    schemas.RetypeInPlace(table, "context_x", ColumnType::kString);
    schemas.RetypeInPlace(table, "received_at", ColumnType::kString);
  }
  schemas.RetypeInPlace("e", "p", ColumnType::kFloat);
  schemas.RetypeInPlace("users", "t", ColumnType::kString);
  for (const std::string& json : events)
    EXPECT_TRUE(ExpectSameAsPlanningPath(mapper, schemas, json));
  bool ok = false;
  const std::vector<EncodedTableRow> rows = Encode(mapper, schemas, events[0], &ok);
  ASSERT_TRUE(ok);
  EXPECT_NE(rows[1].json.find(R"("context_x":"5")"), std::string::npos) << rows[1].json;
  EXPECT_NE(rows[1].json.find(R"("received_at":"2024-01-01T00:05:10.000000Z")"), std::string::npos)
      << rows[1].json;
  EXPECT_NE(rows[1].json.find(R"("p":1})"), std::string::npos) << rows[1].json;
}

// Keys longer than a guess keeps inline, keys that differ only after their
// first bytes, and column names too long for an entry's inline key.
TEST(MapEncodedTest, LongAndLookalikeKeysEncodeAsThePlanningPath) {
  const std::string long_name(70, 'k');
  const std::vector<std::string> events = {
      Normalized(
          R"("type":"track","event":"E","userId":"u","properties":{"abcdefghijklmnopqrstu":1,"ab":"x",")" +
          long_name + R"(":2})"),
      Normalized(
          R"("type":"track","event":"E","userId":"u","properties":{"abcdefghijklmnopqrstv":3,"ac":"y",")" +
          long_name + R"(":"z"})"),
      Normalized(
          R"("type":"track","event":"E","userId":"u","properties":{"abcdefghijklmnopq":4,"a":true})"),
  };
  EventMapper mapper;
  Schemas schemas;
  for (const std::string& json : events) schemas.Learn(MapOrDie(mapper, json));
  for (int round = 0; round < 2; ++round) {
    for (const std::string& json : events)
      EXPECT_TRUE(ExpectSameAsPlanningPath(mapper, schemas, json));
  }
  bool ok = false;
  const std::vector<EncodedTableRow> rows = Encode(mapper, schemas, events[1], &ok);
  ASSERT_TRUE(ok);
  EXPECT_NE(rows[1].json.find(R"("abcdefghijklmnopqrstv":"3","ac":"y",")" + long_name +
                              R"(_string":"z"})"),
            std::string::npos)
      << rows[1].json;
}

struct Declined {
  const char* name;
  const char* change;  // what the event brings that its tables cannot take
};

class MapEncodedDeclinesTest : public ::testing::TestWithParam<Declined> {};

// Each event would need PlanSchema: a new column, a sibling column, or a
// table the caller does not know. MapEncoded declines and leaves every
// table's rows as they were, even after writing a first row.
TEST_P(MapEncodedDeclinesTest, LeavesRowsAsTheyWere) {
  const std::string known =
      Normalized(R"("type":"track","event":"E","userId":"u","properties":{"n":1,"s":"x"})");
  EventMapper mapper;
  Schemas schemas;
  schemas.Learn(MapOrDie(mapper, known));
  bool ok = false;
  Encode(mapper, schemas, known, &ok);
  ASSERT_TRUE(ok);
  const std::string tracks(schemas.Rows("tracks").json(0)), e(schemas.Rows("e").json(0));
  Encode(mapper, schemas, Normalized(GetParam().change), &ok);
  EXPECT_FALSE(ok);
  ASSERT_EQ(schemas.Rows("tracks").size(), 1u);
  ASSERT_EQ(schemas.Rows("e").size(), 1u);
  EXPECT_EQ(schemas.Rows("tracks").json(0), tracks);
  EXPECT_EQ(schemas.Rows("e").json(0), e);
  // The bytes the declined event wrote are reused, not kept.
  Encode(mapper, schemas, known, &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(schemas.Rows("e").size(), 2u);
  EXPECT_EQ(schemas.Rows("e").json(1), e);
}

INSTANTIATE_TEST_SUITE_P(
    NeedsThePlanner, MapEncodedDeclinesTest,
    ::testing::Values(
        Declined{"NewProperty",
                 R"("type":"track","event":"E","userId":"u","properties":{"n":1,"t":2})"},
        Declined{"NewContextField",
                 R"("type":"track","event":"E","userId":"u","context":{"ip":"1.1.1.1"})"},
        Declined{"StringIntoInteger",
                 R"("type":"track","event":"E","userId":"u","properties":{"n":"abc"})"},
        Declined{"FractionIntoInteger",
                 R"("type":"track","event":"E","userId":"u","properties":{"n":1.5})"},
        Declined{"NewStandardColumn",
                 R"("type":"track","event":"E","anonymousId":"a","properties":{"n":1})"},
        Declined{"UnknownEventTable", R"("type":"track","event":"F","userId":"u")"},
        Declined{"UnknownTable", R"("type":"page","userId":"u","name":"Home")"}),
    [](const ::testing::TestParamInfo<Declined>& info) { return info.param.name; });

TEST(MapEncodedTest, InvalidEventIsAnErrorAsInMap) {
  EventMapper mapper;
  size_t lookups = 0;
  absl::StatusOr<bool> r =
      mapper.MapEncoded(Normalized(R"("type":"track","userId":"u")"), LoadedAt(),
                        [&](std::string_view) { return ++lookups, TableOutput{}; });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("track without \"event\""), std::string::npos);
  EXPECT_EQ(lookups, 0u);
}

}  // namespace
}  // namespace opentrack::warehouse_schema
