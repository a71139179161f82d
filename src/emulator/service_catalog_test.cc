// Rules 1-16 of docs/emulator-fidelity.md: errors, routing, names, schemas,
// etags and schema evolution through tables.patch/update.
#include "emulator/service_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::emulator::testing {
namespace {

using ::testing::HasSubstr;

class CatalogTest : public ServiceTest {};

TEST_F(CatalogTest, Rule01ErrorEnvelope) {
  Reply r = Get("/bigquery/v2/projects/p/datasets/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.raw.headers.empty() ? "" : r.raw.headers[0].second.substr(0, 16), "application/json");
  EXPECT_EQ(r.body,
            R"({"error":{"code":404,"message":"Not found: Dataset p:missing","errors":[{"message":)"
            R"("Not found: Dataset p:missing","domain":"global","reason":"notFound"}],)"
            R"("status":"NOT_FOUND"}})");
}

TEST_F(CatalogTest, Rule02BothPrefixes) {
  CreateDataset("d");
  EXPECT_EQ(Get("/bigquery/v2/projects/p/datasets/d").status, 200);
  EXPECT_EQ(Get("/projects/p/datasets/d").status, 200);
  EXPECT_EQ(Post("/upload/bigquery/v2/projects/p/jobs?uploadType=resumable",
                 R"({"configuration":{"load":{}}})")
                .status,
            200);
}

TEST_F(CatalogTest, Rule03DatasetDuplicateAndMissing) {
  CreateDataset("d");
  Reply dup = Post("/projects/p/datasets", R"({"datasetReference":{"datasetId":"d"}})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.Reason(), "duplicate");
  EXPECT_EQ(dup.Message(), "Already Exists: Dataset p:d");
  Reply missing = Get("/projects/p/datasets/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Reason(), "notFound");
  EXPECT_EQ(missing.Message(), "Not found: Dataset p:nope");
}

TEST_F(CatalogTest, Rule04TableDuplicateAndMissing) {
  CreateDataset("d");
  CreateTable("d", "t", R"([{"name":"a","type":"STRING"}])");
  Reply dup = Post("/projects/p/datasets/d/tables",
                   R"({"tableReference":{"tableId":"t"},"schema":{"fields":[]}})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.Reason(), "duplicate");
  EXPECT_EQ(dup.Message(), "Already Exists: Table p:d.t");
  Reply missing = Get("/projects/p/datasets/d/tables/x");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Message(), "Not found: Table p:d.x");
  Reply no_dataset = Get("/projects/p/datasets/zz/tables/x");
  EXPECT_EQ(no_dataset.status, 404);
  EXPECT_EQ(no_dataset.Message(), "Not found: Dataset p:zz");
}

TEST_F(CatalogTest, Rule05InvalidIds) {
  Reply bad_dataset = Post("/projects/p/datasets", R"({"datasetReference":{"datasetId":"a-b"}})");
  EXPECT_EQ(bad_dataset.status, 400);
  EXPECT_EQ(bad_dataset.Reason(), "invalid");
  CreateDataset("d");
  Reply bad_table =
      Post("/projects/p/datasets/d/tables", R"({"tableReference":{"tableId":"a/b"}})");
  EXPECT_EQ(bad_table.status, 400);
  EXPECT_EQ(bad_table.Reason(), "invalid");
  const std::string long_id(1025, 'x');
  Reply too_long =
      Post("/projects/p/datasets/d/tables", R"({"tableReference":{"tableId":")" + long_id + "\"}}");
  EXPECT_EQ(too_long.status, 400);
  // Unicode letters and dashes are fine in table IDs.
  EXPECT_EQ(
      Post("/projects/p/datasets/d/tables", R"({"tableReference":{"tableId":"événements-1"}})")
          .status,
      200);
}

TEST_F(CatalogTest, Rule06IdsAreCaseSensitive) {
  CreateDataset("d");
  CreateTable("d", "t", R"([{"name":"a","type":"STRING"}])");
  CreateTable("d", "T", R"([{"name":"b","type":"STRING"}])");
  EXPECT_EQ(Get("/projects/p/datasets/d/tables/t").json.Find("schema")->Dump(),
            R"({"fields":[{"name":"a","type":"STRING","mode":"NULLABLE"}]})");
  EXPECT_EQ(Get("/projects/p/datasets/d/tables/T").json.Find("schema")->Dump(),
            R"({"fields":[{"name":"b","type":"STRING","mode":"NULLABLE"}]})");
  EXPECT_EQ(Get("/projects/p/datasets/D").status, 404);
}

Reply CreateWithFields(ServiceTest* t, const std::string& fields) {
  return t->Send("POST", "/projects/p/datasets/d/tables",
                 R"({"tableReference":{"tableId":"t"},"schema":{"fields":)" + fields + "}}");
}

TEST_F(CatalogTest, Rule07InvalidFieldName) {
  CreateDataset("d");
  Reply r = CreateWithFields(this, R"([{"name":"My column","type":"STRING"}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Reason(), "invalid");
  EXPECT_EQ(r.Message(),
            "Invalid field name \"My column\". Fields must contain only letters, numbers, and "
            "underscores, start with a letter or underscore, and be at most 300 characters long.");
  EXPECT_EQ(CreateWithFields(this, R"([{"name":"1abc","type":"STRING"}])").status, 400);
  EXPECT_EQ(
      CreateWithFields(this, "[{\"name\":\"" + std::string(301, 'a') + "\",\"type\":\"STRING\"}]")
          .status,
      400);
}

TEST_F(CatalogTest, Rule08ReservedPrefixes) {
  CreateDataset("d");
  for (const char* name :
       {"_TABLE_x", "_file_x", "_partitiontime", "_ROW_TIMESTAMP", "__ROOT__x", "_COLIDENTIFIERx",
        "_CHANGE_TYPE", "_change_timestamp", "_CHANGE_SEQUENCE_NUMBER"}) {
    Reply r =
        CreateWithFields(this, std::string(R"([{"name":")") + name + R"(","type":"STRING"}])");
    EXPECT_EQ(r.status, 400) << name;
    EXPECT_EQ(r.Reason(), "invalid") << name;
  }
}

TEST_F(CatalogTest, Rule09DuplicateNamesIgnoringCase) {
  CreateDataset("d");
  Reply r = CreateWithFields(
      this, R"([{"name":"first_name","type":"STRING"},{"name":"First_Name","type":"STRING"}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Message(), "Field First_Name already exists in schema");
}

TEST_F(CatalogTest, Rule10ColumnAndDepthLimits) {
  CreateDataset("d");
  std::string many = "[";
  for (int i = 0; i <= 10000; ++i) {
    if (i > 0) many += ",";
    many += R"({"name":"c)" + std::to_string(i) + R"(","type":"STRING"})";
  }
  many += "]";
  EXPECT_EQ(CreateWithFields(this, many).status, 400);
  std::string deep = R"({"name":"leaf","type":"STRING"})";
  for (int i = 0; i < 16; ++i) {
    deep = R"({"name":"r)" + std::to_string(i) + R"(","type":"RECORD","fields":[)" + deep + "]}";
  }
  Reply r = CreateWithFields(this, "[" + deep + "]");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Reason(), "invalid");
}

TEST_F(CatalogTest, Rule11TypesModesAndAliases) {
  CreateDataset("d");
  EXPECT_EQ(CreateWithFields(this, R"([{"name":"a","type":"VARCHAR"}])").status, 400);
  EXPECT_EQ(CreateWithFields(this, R"([{"name":"a","type":"STRING","mode":"OPTIONAL"}])").status,
            400);
  EXPECT_EQ(CreateWithFields(this, R"([{"name":"a","type":"STRUCT"}])").status, 400);
  Reply ok = CreateWithFields(
      this,
      R"([{"name":"a","type":"INT64"},{"name":"b","type":"FLOAT64"},{"name":"c","type":"BOOL"},)"
      R"({"name":"s","type":"STRUCT","fields":[{"name":"x","type":"INT64","mode":"REQUIRED"}]}])");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json.Find("schema")->Dump(),
            R"({"fields":[{"name":"a","type":"INTEGER","mode":"NULLABLE"},)"
            R"({"name":"b","type":"FLOAT","mode":"NULLABLE"},)"
            R"({"name":"c","type":"BOOLEAN","mode":"NULLABLE"},)"
            R"({"name":"s","type":"RECORD","mode":"NULLABLE","fields":)"
            R"([{"name":"x","type":"INTEGER","mode":"REQUIRED"}]}]})");
}

TEST_F(CatalogTest, Rule12EtagsAndIfMatch) {
  CreateDataset("d");
  CreateTable("d", "t", R"([{"name":"a","type":"STRING"}])");
  const std::string etag1 = Get("/projects/p/datasets/d/tables/t").json.GetString("etag");
  EXPECT_FALSE(etag1.empty());
  EXPECT_FALSE(Get("/projects/p/datasets/d").json.GetString("etag").empty());
  Reply stale = Send("PATCH", "/projects/p/datasets/d/tables/t", R"({"description":"x"})",
                     {{"If-Match", "not-the-etag"}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(Get("/projects/p/datasets/d/tables/t").json.GetString("etag"), etag1);
  EXPECT_EQ(Get("/projects/p/datasets/d/tables/t").json.Find("description"), nullptr);
  Reply fresh = Send("PATCH", "/projects/p/datasets/d/tables/t", R"({"description":"x"})",
                     {{"If-Match", etag1}});
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_NE(fresh.json.GetString("etag"), etag1);
  EXPECT_EQ(fresh.json.GetString("description"), "x");
}

class SchemaChangeTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    CreateDataset("d");
    CreateTable("d", "t",
                R"([{"name":"id","type":"STRING","mode":"REQUIRED"},{"name":"n","type":"INTEGER"},)"
                R"({"name":"r","type":"RECORD","fields":[{"name":"x","type":"STRING"}]}])");
  }
  Reply Patch(const std::string& fields, const std::string& method = "PATCH") {
    return Send(method, "/projects/p/datasets/d/tables/t",
                R"({"schema":{"fields":)" + fields + "}}");
  }
};

TEST_F(SchemaChangeTest, Rule13MissingField) {
  Reply r =
      Patch(R"([{"name":"id","type":"STRING","mode":"REQUIRED"},{"name":"n","type":"INTEGER"},)"
            R"({"name":"r","type":"RECORD","fields":[{"name":"y","type":"STRING"}]}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Reason(), "invalid");
  EXPECT_EQ(r.Message(),
            "Provided Schema does not match Table p:d.t. Field r.x is missing in new schema");
  EXPECT_EQ(Patch(R"([{"name":"id","type":"STRING","mode":"REQUIRED"}])", "PUT").Message(),
            "Provided Schema does not match Table p:d.t. Field n is missing in new schema");
}

TEST_F(SchemaChangeTest, Rule14TypeChange) {
  Reply r =
      Patch(R"([{"name":"id","type":"STRING","mode":"REQUIRED"},{"name":"n","type":"FLOAT64"},)"
            R"({"name":"r","type":"RECORD","fields":[{"name":"x","type":"STRING"}]}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Message(),
            "Provided Schema does not match Table p:d.t. Field n has changed type from INTEGER to "
            "FLOAT");
}

TEST_F(SchemaChangeTest, Rule15ModeChanges) {
  Reply tighten = Patch(
      R"([{"name":"id","type":"STRING","mode":"REQUIRED"},{"name":"n","type":"INTEGER","mode":"REQUIRED"},)"
      R"({"name":"r","type":"RECORD","fields":[{"name":"x","type":"STRING"}]}])");
  EXPECT_EQ(tighten.status, 400);
  EXPECT_EQ(tighten.Message(),
            "Provided Schema does not match Table p:d.t. Field n has changed mode from NULLABLE to "
            "REQUIRED");
  Reply relax =
      Patch(R"([{"name":"id","type":"STRING","mode":"NULLABLE"},{"name":"n","type":"INTEGER"},)"
            R"({"name":"r","type":"RECORD","fields":[{"name":"x","type":"STRING"}]}])");
  ASSERT_EQ(relax.status, 200) << relax.body;
  EXPECT_EQ(Get("/projects/p/datasets/d/tables/t")
                .json.Find("schema")
                ->Find("fields")
                ->items()[0]
                .GetString("mode"),
            "NULLABLE");
}

TEST_F(SchemaChangeTest, Rule16AddFields) {
  const std::string existing =
      R"({"name":"id","type":"STRING","mode":"REQUIRED"},{"name":"n","type":"INTEGER"},)"
      R"({"name":"r","type":"RECORD","fields":[{"name":"x","type":"STRING"}]})";
  Reply required = Patch("[" + existing + R"(,{"name":"z","type":"STRING","mode":"REQUIRED"}])");
  EXPECT_EQ(required.status, 400);
  EXPECT_EQ(required.Message(),
            "Provided Schema does not match Table p:d.t. Cannot add required fields to an existing "
            "schema. (field: z)");
  // New fields go after the existing ones, whatever their position in the request.
  Reply added = Patch(R"([{"name":"tags","type":"STRING","mode":"REPEATED"},)" + existing +
                      R"(,{"name":"z","type":"STRING"}])");
  ASSERT_EQ(added.status, 200) << added.body;
  std::vector<std::string> names;
  for (const Json& f : added.json.Find("schema")->Find("fields")->items()) {
    names.push_back(f.GetString("name"));
  }
  EXPECT_THAT(names, ::testing::ElementsAre("id", "n", "r", "tags", "z"));
  Reply insert =
      InsertAll("d", "t", R"({"rows":[{"json":{"id":"a","z":"new","tags":["x","y"]}}]})");
  EXPECT_EQ(insert.body, R"({"kind":"bigquery#tableDataInsertAllResponse"})");
}

TEST_F(CatalogTest, ListAndDelete) {
  CreateDataset("d");
  CreateTable("d", "t1", R"([{"name":"a","type":"STRING"}])");
  CreateTable("d", "t2", R"([{"name":"a","type":"STRING"}])");
  Reply list = Get("/projects/p/datasets/d/tables");
  EXPECT_EQ(list.json.Find("tables")->items().size(), 2u);
  Reply in_use = Send("DELETE", "/projects/p/datasets/d");
  EXPECT_EQ(in_use.status, 400);
  EXPECT_EQ(in_use.Reason(), "resourceInUse");
  EXPECT_EQ(Send("DELETE", "/projects/p/datasets/d/tables/t1").status, 204);
  EXPECT_EQ(Send("DELETE", "/projects/p/datasets/d?deleteContents=true").status, 204);
  EXPECT_EQ(Get("/projects/p/datasets").json.Find("datasets")->items().size(), 0u);
}

TEST_F(CatalogTest, UnknownRouteIsNotFound) {
  Reply r = Get("/bigquery/v2/projects/p/models");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.Message(), HasSubstr("Not found"));
}

}  // namespace
}  // namespace opentrack::emulator::testing
