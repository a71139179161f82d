// Rules 29-34: media uploads, load dispositions, schema updates through
// loads, bad records, job IDs and locations.
#include "emulator/service_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::emulator::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class LoadJobTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    CreateDataset("d");
  }
  static std::string LoadJob(const std::string& table, const std::string& extra,
                             const std::string& job_id = "") {
    std::string ref = job_id.empty() ? "" : R"("jobReference":{"jobId":")" + job_id + R"("},)";
    return "{" + ref +
           R"("configuration":{"load":{"destinationTable":{"projectId":"p","datasetId":"d","tableId":")" +
           table + R"("},"sourceFormat":"NEWLINE_DELIMITED_JSON")" + extra + "}}}";
  }
  Reply Multipart(const std::string& job, const std::string& data) {
    // Loads count against the 5-per-10s table update limit; space them out.
    clock_.Advance(absl::Seconds(3));
    const std::string body = "--xyz\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" +
                             job + "\r\n--xyz\r\nContent-Type: application/octet-stream\r\n\r\n" +
                             data + "\r\n--xyz--\r\n";
    return Send("POST", "/upload/bigquery/v2/projects/p/jobs?uploadType=multipart", body,
                {{"Content-Type", "multipart/related; boundary=xyz"}});
  }
  static std::string ErrorReason(const Reply& job) {
    if (job.json.Find("status") == nullptr) return "HTTP " + job.Reason();
    const Json* e = job.json.Find("status")->Find("errorResult");
    return e == nullptr ? "" : e->GetString("reason");
  }
  static std::string ErrorMessage(const Reply& job) {
    if (job.json.Find("status") == nullptr) return "HTTP " + job.Message();
    const Json* e = job.json.Find("status")->Find("errorResult");
    return e == nullptr ? "" : e->GetString("message");
  }
  std::vector<std::vector<std::string>> Rows(const std::string& table) {
    return QueryRows("SELECT * FROM `p.d." + table + "` ORDER BY 1");
  }
  static constexpr char kSchema[] =
      R"(,"schema":{"fields":[{"name":"id","type":"STRING","mode":"REQUIRED"},{"name":"n","type":"INTEGER"}]})";
};

TEST_F(LoadJobTest, Rule29Multipart) {
  Reply r = Multipart(LoadJob("t", kSchema), "{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\"}\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json.Find("status")->GetString("state"), "DONE");
  EXPECT_EQ(ErrorReason(r), "");
  EXPECT_EQ(r.json.Find("statistics")->Find("load")->GetString("outputRows"), "2");
  EXPECT_EQ(Rows("t"), (std::vector<std::vector<std::string>>{{"a", "1"}, {"b", "NULL"}}));
  Reply not_multipart = Send("POST", "/upload/bigquery/v2/projects/p/jobs?uploadType=multipart",
                             LoadJob("t", kSchema), {{"Content-Type", "application/json"}});
  EXPECT_EQ(not_multipart.status, 400);
  EXPECT_EQ(not_multipart.Reason(), "invalid");
}

TEST_F(LoadJobTest, Rule30Resumable) {
  Reply start =
      Post("/upload/bigquery/v2/projects/p/jobs?uploadType=resumable", LoadJob("t", kSchema));
  ASSERT_EQ(start.status, 200) << start.body;
  std::string location;
  for (const auto& [k, v] : start.raw.headers) {
    if (k == "Location") location = v;
  }
  ASSERT_THAT(location, HasSubstr("upload_id="));
  const std::string target = location.substr(location.find("/upload/"));
  const std::string data = "{\"id\":\"a\"}\n{\"id\":\"b\"}\n";  // 22 bytes
  Reply partial = Send("PUT", target, data.substr(0, 10), {{"Content-Range", "bytes 0-9/*"}});
  EXPECT_EQ(partial.status, 308);
  std::string range;
  for (const auto& [k, v] : partial.raw.headers) {
    if (k == "Range") range = v;
  }
  EXPECT_EQ(range, "bytes=0-9");
  Reply status_query = Send("PUT", target, "", {{"Content-Range", "bytes */22"}});
  EXPECT_EQ(status_query.status, 308);
  Reply done = Send("PUT", target, data.substr(10), {{"Content-Range", "bytes 10-21/22"}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json.Find("status")->GetString("state"), "DONE");
  EXPECT_EQ(Rows("t").size(), 2u);
  Reply unknown =
      Send("PUT", "/upload/bigquery/v2/projects/p/jobs?uploadType=resumable&upload_id=nope", data);
  EXPECT_EQ(unknown.status, 404);
}

TEST_F(LoadJobTest, Rule31Dispositions) {
  Reply never =
      Multipart(LoadJob("t", R"(,"createDisposition":"CREATE_NEVER")"), "{\"id\":\"a\"}\n");
  EXPECT_EQ(never.status, 200);
  EXPECT_EQ(ErrorReason(never), "notFound");
  ASSERT_EQ(ErrorReason(Multipart(LoadJob("t", kSchema), "{\"id\":\"a\",\"n\":1}\n")), "");
  Reply empty = Multipart(LoadJob("t", R"(,"writeDisposition":"WRITE_EMPTY")"), "{\"id\":\"b\"}\n");
  EXPECT_EQ(ErrorReason(empty), "duplicate");
  ASSERT_EQ(ErrorReason(Multipart(LoadJob("t", R"(,"writeDisposition":"WRITE_APPEND")"),
                                  "{\"id\":\"b\",\"n\":2}\n")),
            "");
  EXPECT_EQ(Rows("t"), (std::vector<std::vector<std::string>>{{"a", "1"}, {"b", "2"}}));
  Reply truncate = Multipart(
      LoadJob(
          "t",
          R"(,"writeDisposition":"WRITE_TRUNCATE","schema":{"fields":[{"name":"x","type":"STRING"}]})"),
      "{\"x\":\"only\"}\n");
  ASSERT_EQ(ErrorReason(truncate), "");
  EXPECT_EQ(Rows("t"), (std::vector<std::vector<std::string>>{{"only"}}));
  EXPECT_EQ(Get("/projects/p/datasets/d/tables/t").json.Find("schema")->Dump(),
            R"({"fields":[{"name":"x","type":"STRING","mode":"NULLABLE"}]})");
}

TEST_F(LoadJobTest, Rule32SchemaUpdateOptions) {
  ASSERT_EQ(ErrorReason(Multipart(LoadJob("t", kSchema), "{\"id\":\"a\"}\n")), "");
  const std::string wider =
      R"(,"schema":{"fields":[{"name":"id","type":"STRING","mode":"REQUIRED"},{"name":"n","type":"INTEGER"},{"name":"extra","type":"STRING"}]})";
  Reply no_option = Multipart(LoadJob("t", wider), "{\"id\":\"b\",\"extra\":\"e\"}\n");
  EXPECT_EQ(ErrorReason(no_option), "invalid");
  EXPECT_EQ(ErrorMessage(no_option),
            "Provided Schema does not match Table p:d.t. Cannot add fields (field: extra)");
  Reply added =
      Multipart(LoadJob("t", wider + R"(,"schemaUpdateOptions":["ALLOW_FIELD_ADDITION"])"),
                "{\"id\":\"b\",\"extra\":\"e\"}\n");
  ASSERT_EQ(ErrorReason(added), "");
  EXPECT_EQ(
      Get("/projects/p/datasets/d/tables/t").json.Find("schema")->Find("fields")->items()[2].Dump(),
      R"({"name":"extra","type":"STRING","mode":"NULLABLE"})");
  const std::string relaxed =
      R"(,"schema":{"fields":[{"name":"id","type":"STRING","mode":"NULLABLE"},{"name":"n","type":"INTEGER"},{"name":"extra","type":"STRING"}]})";
  EXPECT_EQ(ErrorReason(Multipart(LoadJob("t", relaxed), "{}\n")), "invalid");
  ASSERT_EQ(ErrorReason(Multipart(
                LoadJob("t", relaxed + R"(,"schemaUpdateOptions":["ALLOW_FIELD_RELAXATION"])"),
                "{\"n\":3}\n")),
            "");
  const std::string clash =
      R"(,"schema":{"fields":[{"name":"id","type":"STRING"},{"name":"n","type":"STRING"}]})";
  EXPECT_EQ(ErrorMessage(Multipart(LoadJob("t", clash), "{}\n")),
            "Provided Schema does not match Table p:d.t. Field n has changed type from INTEGER to "
            "STRING");
}

TEST_F(LoadJobTest, Rule33BadRecordsAreAtomic) {
  Reply r = Multipart(LoadJob("t", kSchema), "{\"id\":\"a\"}\n{\"id\":\"b\",\"n\":\"x\"}\n");
  EXPECT_EQ(ErrorReason(r), "invalid");
  EXPECT_THAT(ErrorMessage(r),
              StartsWith("Error while reading data, error message: JSON table encountered too many "
                         "errors, giving up."));
  EXPECT_GE(r.json.Find("status")->Find("errors")->items().size(), 2u);
  EXPECT_EQ(Get("/projects/p/datasets/d/tables/t").status,
            404);  // nothing written, not even the table
  Reply tolerated = Multipart(LoadJob("t", std::string(kSchema) + R"(,"maxBadRecords":1)"),
                              "{\"id\":\"a\"}\n{\"id\":\"b\",\"n\":\"x\"}\n");
  EXPECT_EQ(ErrorReason(tolerated), "");
  EXPECT_EQ(Rows("t").size(), 1u);
}

TEST_F(LoadJobTest, Rule34JobIdsAndLocation) {
  ASSERT_EQ(Multipart(LoadJob("t", kSchema, "job-1"), "{\"id\":\"a\"}\n").status, 200);
  Reply dup = Multipart(LoadJob("t", kSchema, "job-1"), "{\"id\":\"a\"}\n");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.Reason(), "duplicate");
  EXPECT_EQ(dup.Message(), "Already Exists: Job p:job-1");
  EXPECT_EQ(Get("/projects/p/jobs/job-1").status, 200);
  EXPECT_EQ(Get("/projects/p/jobs/job-1?location=US").status, 200);
  Reply eu_job = Post("/projects/p/queries",
                      R"({"query":"SELECT 1 AS x","useLegacySql":false,"location":"EU"})");
  ASSERT_EQ(eu_job.status, 200) << eu_job.body;
  const std::string eu_id = eu_job.json.Find("jobReference")->GetString("jobId");
  Reply wrong = Get("/projects/p/jobs/" + eu_id);
  EXPECT_EQ(wrong.status, 404);
  EXPECT_EQ(wrong.Reason(), "notFound");
  EXPECT_EQ(Get("/projects/p/jobs/" + eu_id + "?location=EU").status, 200);
  EXPECT_EQ(Get("/projects/p/jobs/missing").status, 404);
}

}  // namespace
}  // namespace opentrack::emulator::testing
