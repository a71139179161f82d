// Rules 17-19 (quotas with the fake clock), rule 38 (auth) and fault
// injection.
#include "emulator/service_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::emulator::testing {
namespace {

using ::testing::HasSubstr;

class QuotaTest : public ServiceTest {
 protected:
  Reply PatchDescription(const std::string& table) {
    return Send("PATCH", "/projects/p/datasets/d/tables/" + table, R"({"description":"x"})");
  }
  Reply Load(const std::string& table) {
    const std::string job =
        R"({"configuration":{"load":{"destinationTable":{"datasetId":"d","tableId":")" + table +
        R"("},"sourceFormat":"NEWLINE_DELIMITED_JSON","schema":{"fields":[{"name":"a","type":"STRING"}]}}}})";
    const std::string body = "--b\r\nContent-Type: application/json\r\n\r\n" + job +
                             "\r\n--b\r\nContent-Type: */*\r\n\r\n{\"a\":\"x\"}\n\r\n--b--";
    return Send("POST", "/upload/bigquery/v2/projects/p/jobs?uploadType=multipart", body,
                {{"Content-Type", "multipart/related; boundary=b"}});
  }
};

TEST_F(QuotaTest, Rule17TableUpdatesPerTenSeconds) {
  CreateDataset("d");
  CreateTable("d", "t", R"([{"name":"a","type":"STRING"}])");  // 1st
  for (int i = 2; i <= 5; ++i) ASSERT_EQ(PatchDescription("t").status, 200) << i;
  Reply sixth = PatchDescription("t");
  EXPECT_EQ(sixth.status, 403);
  EXPECT_EQ(sixth.Reason(), "rateLimitExceeded");
  EXPECT_THAT(sixth.Message(),
              HasSubstr("Exceeded rate limits: too many table update operations for this table"));
  EXPECT_EQ(sixth.json.Find("error")->GetString("status"), "PERMISSION_DENIED");
  // Other tables have their own bucket; after 10 s this one succeeds again.
  CreateTable("d", "other", R"([{"name":"a","type":"STRING"}])");
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(PatchDescription("t").status, 200);
  // DDL and load jobs share the bucket.
  for (int i = 0; i < 4; ++i) ASSERT_EQ(PatchDescription("t").status, 200);
  EXPECT_EQ(Query("ALTER TABLE `p.d.t` ADD COLUMN b STRING").status, 403);
  EXPECT_EQ(Load("t").status, 403);
}

TEST_F(QuotaTest, Rule18DatasetUpdatesPerTenSeconds) {
  CreateDataset("d");
  for (int i = 2; i <= 5; ++i) {
    ASSERT_EQ(Send("PATCH", "/projects/p/datasets/d", R"({"description":"x"})").status, 200);
  }
  Reply sixth = Send("PATCH", "/projects/p/datasets/d", R"({"description":"y"})");
  EXPECT_EQ(sixth.status, 403);
  EXPECT_EQ(sixth.Reason(), "rateLimitExceeded");
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(Send("PATCH", "/projects/p/datasets/d", R"({"description":"y"})").status, 200);
}

TEST_F(QuotaTest, Rule19LoadJobsPerTablePerDay) {
  options_.quotas.load_jobs_per_table_per_day = 3;  // configurable; 1,500 by default
  Restart();
  CreateDataset("d");
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Seconds(10));
    ASSERT_EQ(Load("t").status, 200) << i;
  }
  clock_.Advance(absl::Seconds(10));
  Reply over = Load("t");
  EXPECT_EQ(over.status, 403);
  EXPECT_EQ(over.Reason(), "quotaExceeded");
  clock_.Advance(absl::Hours(24));
  EXPECT_EQ(Load("t").status, 200);
}

TEST_F(QuotaTest, QuotasCanBeTurnedOff) {
  options_.enforce_quotas = false;
  Restart();
  CreateDataset("d");
  CreateTable("d", "t", R"([{"name":"a","type":"STRING"}])");
  for (int i = 0; i < 20; ++i) ASSERT_EQ(PatchDescription("t").status, 200) << i;
}

TEST_F(QuotaTest, Rule38RequireAuth) {
  options_.require_auth = true;
  Restart();
  Reply anonymous = Get("/projects/p/datasets");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.json.Find("error")->GetString("status"), "UNAUTHENTICATED");
  EXPECT_EQ(Send("GET", "/projects/p/datasets", "", {{"Authorization", "Bearer token"}}).status,
            200);
}

TEST_F(QuotaTest, FaultOutageWindow) {
  FaultOptions faults;
  faults.outage_start = clock_.Now() + absl::Seconds(5);
  faults.outage_end = clock_.Now() + absl::Seconds(15);
  service_->SetFaults(faults);
  EXPECT_EQ(Get("/projects/p/datasets").status, 200);
  clock_.Advance(absl::Seconds(5));
  Reply down = Get("/projects/p/datasets");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.Reason(), "backendError");
  EXPECT_EQ(down.json.Find("error")->GetString("status"), "UNAVAILABLE");
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(Get("/projects/p/datasets").status, 200);
}

TEST_F(QuotaTest, FaultErrorRateIsSeededAndProportional) {
  FaultOptions faults;
  faults.error_rate = 0.25;
  faults.error_code = 500;
  faults.error_reason = "internalError";
  service_->SetFaults(faults);
  int failures = 0;
  std::string pattern;
  for (int i = 0; i < 400; ++i) {
    Reply r = Get("/projects/p/datasets");
    if (r.status == 500) {
      ++failures;
      EXPECT_EQ(r.Reason(), "internalError");
    }
    if (i < 20) pattern += r.status == 500 ? "x" : ".";
  }
  EXPECT_GT(failures, 60);
  EXPECT_LT(failures, 140);
  service_->SetFaults(faults);  // same seed, same sequence
  std::string again;
  for (int i = 0; i < 20; ++i) again += Get("/projects/p/datasets").status == 500 ? "x" : ".";
  EXPECT_EQ(again, pattern);
}

TEST_F(QuotaTest, FaultLatencyUsesTheClock) {
  FaultOptions faults;
  faults.latency = absl::Milliseconds(250);
  service_->SetFaults(faults);
  Get("/projects/p/datasets");
  Get("/projects/p/datasets");
  EXPECT_EQ(clock_.TotalSlept(), absl::Milliseconds(500));
}

}  // namespace
}  // namespace opentrack::emulator::testing
