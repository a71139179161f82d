// The production client stack against the project's own BigQuery emulator
// (src/emulator), an independent reading of the same REST contract.
#include <memory>
#include <string>
#include <vector>

#include "bigquery/client_factory.h"
#include "bigquery/error_mapping.h"
#include "common/clock.h"
#include "emulator/emulator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opentrack::bigquery {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

class BigQueryEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator::EmulatorOptions emulator_options;
    emulator_options.require_auth = false;
    auto emulator = emulator::Emulator::Start(emulator_options);
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    emulator_ = *std::move(emulator);
    ClientOptions options;
    options.emulator_host = "127.0.0.1:" + std::to_string(emulator_->port());
    options.clock = &clock_;  // retry waits pass instantly
    options.jitter = [] { return 0.5; };
    auto client = MakeBigQueryClient(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  FakeClock clock_;
  std::unique_ptr<emulator::Emulator> emulator_;
  std::unique_ptr<BigQueryClient> client_;
  const TableRef ref_{"proj", "ds", "events"};
};

TEST_F(BigQueryEmulatorTest, DatasetTableInsertAllQuery) {
  auto dataset = client_->InsertDataset(Dataset{"proj", "ds", "US", ""});
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  // A second create is answered 409 and turned into the existing dataset.
  auto again = client_->InsertDataset(Dataset{"proj", "ds", "US", ""});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->dataset_id, "ds");

  Table table;
  table.ref = ref_;
  table.schema = {Field{"id", "STRING", "REQUIRED", "", {}},
                  Field{"n", "INTEGER", "NULLABLE", "", {}}};
  auto created = client_->InsertTable(table);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->schema.size(), 2u);

  std::vector<InsertRow> rows = {{"m1", R"({"id":"a","n":"1"})"}, {"m2", R"({"id":"b"})"}};
  auto inserted = client_->InsertAll(ref_, rows, {});
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  EXPECT_TRUE(inserted->row_errors.empty());

  auto result = client_->Query(
      QueryRequest{"proj", "SELECT id, n FROM `proj.ds.events` ORDER BY id", "", "", 10000});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->schema.size(), 2u);
  EXPECT_EQ(result->schema[0].name, "id");
  ASSERT_EQ(result->rows.size(), 2u);
  EXPECT_THAT(result->rows[0], ElementsAre(Optional(std::string("a")), Optional(std::string("1"))));
  EXPECT_THAT(result->rows[1], ElementsAre(Optional(std::string("b")), std::nullopt));
}

TEST_F(BigQueryEmulatorTest, RowErrorsAndMissingTable) {
  ASSERT_TRUE(client_->InsertDataset(Dataset{"proj", "ds", "US", ""}).ok());
  auto missing = client_->GetTable(ref_);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReason(missing.status()), "notFound");

  Table table;
  table.ref = ref_;
  table.schema = {Field{"id", "STRING", "NULLABLE", "", {}}};
  ASSERT_TRUE(client_->InsertTable(table).ok());
  std::vector<InsertRow> rows = {{"m1", R"({"id":"a"})"}, {"m2", R"({"id":"b","nope":1})"}};
  auto inserted = client_->InsertAll(ref_, rows, {});
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  ASSERT_EQ(inserted->row_errors.size(), 2u);
  EXPECT_EQ(inserted->row_errors[0].index, 0u);
  EXPECT_EQ(inserted->row_errors[0].reason, "stopped");
  EXPECT_EQ(inserted->row_errors[1].index, 1u);
  EXPECT_EQ(inserted->row_errors[1].reason, "invalid");
}

TEST_F(BigQueryEmulatorTest, PatchSchemaWithEtagAndLoadJob) {
  ASSERT_TRUE(client_->InsertDataset(Dataset{"proj", "ds", "US", ""}).ok());
  Table table;
  table.ref = ref_;
  table.schema = {Field{"id", "STRING", "NULLABLE", "", {}}};
  auto created = client_->InsertTable(table);
  ASSERT_TRUE(created.ok());
  std::vector<Field> wider = {Field{"id", "STRING", "NULLABLE", "", {}},
                              Field{"x", "FLOAT", "NULLABLE", "", {}}};
  auto patched = client_->PatchTableSchema(ref_, wider, created->etag);
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(patched->schema.size(), 2u);
  auto stale = client_->PatchTableSchema(ref_, wider, created->etag);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition);

  LoadJobRequest load;
  load.destination = ref_;
  load.location = "US";
  load.schema = wider;
  auto job = client_->RunLoadJob(load, "{\"id\":\"l1\",\"x\":1.5}\n{\"id\":\"l2\"}\n");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state, "DONE");
  EXPECT_FALSE(job->error_result.has_value()) << job->error_result->message;
  auto count =
      client_->Query(QueryRequest{"proj", "SELECT COUNT(*) FROM `proj.ds.events`", "", "", 10000});
  ASSERT_TRUE(count.ok()) << count.status();
  ASSERT_EQ(count->rows.size(), 1u);
  EXPECT_EQ(count->rows[0][0], "2");
}

}  // namespace
}  // namespace opentrack::bigquery
