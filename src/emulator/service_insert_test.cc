// Rules 20-28: tabledata.insertAll semantics, value encodings, insertId
// de-duplication and the metadata lag mode; plus tabledata.list.
#include "emulator/service_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::emulator::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kOk[] = R"({"kind":"bigquery#tableDataInsertAllResponse"})";

class InsertAllTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    CreateDataset("d");
    CreateTable("d", "t",
                R"([{"name":"id","type":"STRING","mode":"REQUIRED"},{"name":"n","type":"INTEGER"},)"
                R"({"name":"f","type":"FLOAT"},{"name":"b","type":"BOOLEAN"},)"
                R"({"name":"ts","type":"TIMESTAMP"},{"name":"s","type":"STRING"},)"
                R"({"name":"loc","type":"RECORD","fields":[{"name":"lat","type":"FLOAT"}]}])");
  }
  int64_t Count() {
    auto rows = QueryRows("SELECT COUNT(*) AS c FROM `p.d.t`");
    return rows.empty() ? -1 : std::stoll(rows[0][0]);
  }
  // The single error of row `index` in an insertAll reply.
  static Json RowError(const Reply& r, size_t index) {
    for (const Json& e : r.json.Find("insertErrors")->items()) {
      if (e.GetInt("index") == static_cast<int64_t>(index)) return e.Find("errors")->items()[0];
    }
    return Json();
  }
};

TEST_F(InsertAllTest, Rule20PayloadAndRowLimits) {
  std::string big = R"({"rows":[{"json":{"id":")" + std::string(10485760, 'x') + R"("}}]})";
  Reply too_big = InsertAll("d", "t", big);
  EXPECT_EQ(too_big.status, 400);
  EXPECT_EQ(too_big.Reason(), "badRequest");
  EXPECT_EQ(too_big.Message(), "Request payload size exceeds the limit: 10485760 bytes.");
  std::string many = R"({"rows":[)";
  for (int i = 0; i <= 50000; ++i) many += std::string(i ? "," : "") + R"({"json":{"id":"a"}})";
  many += "]}";
  Reply too_many = InsertAll("d", "t", many);
  EXPECT_EQ(too_many.status, 400);
  EXPECT_EQ(too_many.Reason(), "invalid");
  Reply long_id = InsertAll(
      "d", "t", R"({"rows":[{"insertId":")" + std::string(129, 'i') + R"(","json":{"id":"a"}}]})");
  EXPECT_EQ(long_id.status, 200);
  EXPECT_EQ(RowError(long_id, 0).GetString("reason"), "invalid");
  EXPECT_EQ(Count(), 0);
}

TEST_F(InsertAllTest, Rule21UnknownFields) {
  Reply r =
      InsertAll("d", "t", R"({"rows":[{"json":{"id":"a","nope":1,"loc":{"lat":1,"lng":2}}}]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"kind":"bigquery#tableDataInsertAllResponse","insertErrors":[{"index":0,"errors":[)"
      R"({"reason":"invalid","location":"nope","debugInfo":"","message":"no such field: nope."},)"
      R"({"reason":"invalid","location":"loc.lng","debugInfo":"","message":"no such field: loc.lng."}]}]})");
  Reply ignored =
      InsertAll("d", "t", R"({"ignoreUnknownValues":true,"rows":[{"json":{"id":"a","nope":1}}]})");
  EXPECT_EQ(ignored.body, kOk);
  EXPECT_EQ(Count(), 1);
}

TEST_F(InsertAllTest, Rule22AllOrNothingWithStopped) {
  Reply r = InsertAll(
      "d", "t",
      R"({"rows":[{"json":{"id":"a"}},{"json":{"id":"b","n":"x"}},{"json":{"id":"c"}}]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json.Find("insertErrors")->items().size(), 3u);
  EXPECT_EQ(RowError(r, 0).Dump(),
            R"({"reason":"stopped","location":"","debugInfo":"","message":""})");
  EXPECT_EQ(RowError(r, 1).GetString("reason"), "invalid");
  EXPECT_EQ(RowError(r, 2).GetString("reason"), "stopped");
  EXPECT_EQ(Count(), 0);
}

TEST_F(InsertAllTest, Rule23SkipInvalidRows) {
  Reply r = InsertAll(
      "d", "t",
      R"({"skipInvalidRows":true,"rows":[{"json":{"id":"a"}},{"json":{"id":"b","n":"x"}},)"
      R"({"json":{"id":"c"}}]})");
  EXPECT_EQ(r.json.Find("insertErrors")->items().size(), 1u);
  EXPECT_EQ(r.json.Find("insertErrors")->items()[0].GetInt("index"), 1);
  EXPECT_EQ(QueryRows("SELECT id FROM `p.d.t` ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"a"}, {"c"}}));
}

TEST_F(InsertAllTest, Rule24MissingRequired) {
  Reply r = InsertAll("d", "t", R"({"rows":[{"json":{"n":1}},{"json":{"id":null}}]})");
  EXPECT_EQ(RowError(r, 0).GetString("message"), "Missing required field: id.");
  EXPECT_EQ(RowError(r, 0).GetString("location"), "id");
  EXPECT_EQ(RowError(r, 1).GetString("message"), "Missing required field: id.");
}

TEST_F(InsertAllTest, Rule25ValueEncodings) {
  Reply good = InsertAll(
      "d", "t",
      R"({"rows":[{"json":{"id":"a","n":"42","f":"NaN","b":"true","ts":"2024-01-02 03:04:05.123456+01:00","s":12}},)"
      R"({"json":{"id":"b","n":-7,"f":"-Infinity","b":false,"ts":1704067200.5,"s":"x"}},)"
      R"({"json":{"id":"c","f":"1.5","ts":"2024-01-02T03:04:05Z"}}]})");
  ASSERT_EQ(good.body, kOk);
  auto rows = QueryRows("SELECT id, n, f, b, UNIX_MICROS(ts) AS us, s FROM `p.d.t` ORDER BY id");
  EXPECT_EQ(rows, (std::vector<std::vector<std::string>>{
                      {"a", "42", "NaN", "true", "1704161045123456", "12"},
                      {"b", "-7", "-Infinity", "false", "1704067200500000", "x"},
                      {"c", "NULL", "1.5", "NULL", "1704164645000000", "NULL"}}));
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {R"("n":"9797115724809186304")",
       "Cannot convert value to integer (bad value): 9797115724809186304"},
      {R"("n":1.5)", "Cannot convert value to integer (bad value): 1.5"},
      {R"("f":"abc")", "Cannot convert value to floating point (bad value): abc"},
      {R"("s":true)", "Conversion from bool to string is unsupported."},
      {R"("ts":1571872447236.999936)", "Timestamp field value is out of range:1571872447236999936"},
  };
  for (const Case& c : cases) {
    Reply r = InsertAll("d", "t", std::string(R"({"rows":[{"json":{"id":"z",)") + c.json + "}}]}");
    EXPECT_EQ(RowError(r, 0).GetString("message"), c.message) << c.json;
  }
  Reply bad_bool = InsertAll("d", "t", R"({"rows":[{"json":{"id":"z","b":"yes"}}]})");
  EXPECT_EQ(RowError(bad_bool, 0).GetString("reason"), "invalid");
}

TEST_F(InsertAllTest, Rule26ExactSuccessBody) {
  Reply r = InsertAll("d", "t", R"({"rows":[{"insertId":"1","json":{"id":"a"}}]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kOk);
}

TEST_F(InsertAllTest, Rule27InsertIdDedupWindow) {
  const std::string body = R"({"rows":[{"insertId":"evt-1","json":{"id":"a"}}]})";
  EXPECT_EQ(InsertAll("d", "t", body).body, kOk);
  clock_.Advance(absl::Seconds(59));
  EXPECT_EQ(InsertAll("d", "t", body).body, kOk);
  EXPECT_EQ(Count(), 1);
  clock_.Advance(absl::Seconds(61));
  EXPECT_EQ(InsertAll("d", "t", body).body, kOk);
  EXPECT_EQ(Count(), 2);
}

TEST_F(InsertAllTest, Rule28LagModeHidesNewMetadata) {
  FaultOptions faults;
  faults.new_column_visibility_delay = absl::Seconds(30);
  service_->SetFaults(faults);
  CreateTable("d", "fresh", R"([{"name":"a","type":"STRING"}])");
  Reply not_yet = InsertAll("d", "fresh", R"({"rows":[{"json":{"a":"x"}}]})");
  EXPECT_EQ(not_yet.status, 404);
  EXPECT_EQ(not_yet.Reason(), "notFound");
  Reply patched = Send("PATCH", "/projects/p/datasets/d/tables/t",
                       R"({"schema":{"fields":[{"name":"id","type":"STRING","mode":"REQUIRED"},)"
                       R"({"name":"n","type":"INTEGER"},{"name":"f","type":"FLOAT"},)"
                       R"({"name":"b","type":"BOOLEAN"},{"name":"ts","type":"TIMESTAMP"},)"
                       R"({"name":"s","type":"STRING"},{"name":"loc","type":"RECORD","fields":)"
                       R"([{"name":"lat","type":"FLOAT"}]},{"name":"extra","type":"STRING"}]}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  Reply stale = InsertAll("d", "t", R"({"rows":[{"json":{"id":"a","extra":"e"}}]})");
  EXPECT_EQ(RowError(stale, 0).GetString("message"), "no such field: extra.");
  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(InsertAll("d", "fresh", R"({"rows":[{"json":{"a":"x"}}]})").body, kOk);
  EXPECT_EQ(InsertAll("d", "t", R"({"rows":[{"json":{"id":"a","extra":"e"}}]})").body, kOk);
}

TEST_F(InsertAllTest, TableDataListFormatsCells) {
  ASSERT_EQ(InsertAll("d", "t",
                      R"({"rows":[{"json":{"id":"a","n":5,"b":true,"ts":"2024-01-01T00:00:00Z",)"
                      R"("loc":{"lat":1.25}}}]})")
                .body,
            kOk);
  Reply list = Get("/projects/p/datasets/d/tables/t/data");
  EXPECT_EQ(list.json.GetString("totalRows"), "1");
  EXPECT_EQ(list.json.Find("rows")->Dump(),
            R"([{"f":[{"v":"a"},{"v":"5"},{"v":null},{"v":"true"},{"v":"1.7040672E9"},{"v":null},)"
            R"({"v":{"f":[{"v":"1.25"}]}}]}])");
  Reply micros = Get("/projects/p/datasets/d/tables/t/data?formatOptions.useInt64Timestamp=true");
  EXPECT_EQ(micros.json.Find("rows")->items()[0].Find("f")->items()[4].GetString("v"),
            "1704067200000000");
  EXPECT_EQ(Get("/projects/p/datasets/d/tables/t").json.GetString("numRows"), "1");
}

TEST_F(InsertAllTest, MissingTable) {
  Reply r = InsertAll("d", "nope", R"({"rows":[{"json":{"id":"a"}}]})");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.Message(), HasSubstr("p:d.nope"));
}

}  // namespace
}  // namespace opentrack::emulator::testing
