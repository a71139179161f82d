#include "table_manager/table_manager.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/error_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "table_manager/fake_bigquery_client.h"
#include "table_manager/schema_merge.h"

namespace opentrack::table_manager {
namespace {

using bigquery::Field;
using bigquery::Table;
using bigquery::TableRef;
using Method = FakeBigQueryClient::Method;

std::vector<std::string> Names(const std::vector<Field>& fields) {
  std::vector<std::string> out;
  for (const Field& f : fields) out.push_back(f.name);
  return out;
}

class TableManagerTest : public ::testing::Test {
 protected:
  TableManagerOptions Options() {
    TableManagerOptions o;
    o.clock = &clock_;
    return o;
  }
  // A table made by someone else (TableManager's cache knows nothing of it).
  void MakeTable(std::vector<Field> schema) {
    (void)fake_.InsertDataset({"p", "d", "US", ""});
    Table t;
    t.ref = ref_;
    t.schema = std::move(schema);
    ASSERT_TRUE(fake_.InsertTable(t).ok());
    clock_.Advance(absl::Seconds(10));  // out of the quota window
    fake_.ResetCalls();
  }

  FakeClock clock_;
  FakeBigQueryClient fake_{&clock_};
  TableRef ref_{"p", "d", "order_completed"};
};

TEST_F(TableManagerTest, CreatesDatasetAndIngestionTimePartitionedTable) {
  TableManagerOptions o = Options();
  o.location = "EU";
  TableManager tm(&fake_, o);
  std::vector<Field> cols = {{"id", "STRING"}, {"total", "FLOAT64", "REQUIRED"}};
  auto table = tm.EnsureTable(ref_, cols);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_TRUE(fake_.HasDataset("p", "d"));
  std::optional<Table> stored = fake_.PeekTable(ref_);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->schema, (std::vector<Field>{{"id", "STRING"}, {"total", "FLOAT"}}));
  EXPECT_EQ(stored->time_partitioning, (bigquery::TimePartitioning{"DAY", ""}));
  EXPECT_TRUE(stored->clustering_fields.empty());
  EXPECT_EQ(tm.LastChange(ref_), clock_.Now());
  EXPECT_EQ(tm.stats().tables_created, 1);
  EXPECT_EQ(tm.stats().datasets_created, 1);
}

TEST_F(TableManagerTest, ReceivedAtPartitioningAndClusteringOptions) {
  TableManagerOptions o = Options();
  o.partitioning = Partitioning::kReceivedAtDay;
  o.clustering_fields = {"user_id"};
  TableManager tm(&fake_, o);
  std::vector<Field> cols = {{"id", "STRING"}, {"user_id", "STRING"}};
  ASSERT_TRUE(tm.EnsureTable(ref_, cols).ok());
  Table t = *fake_.PeekTable(ref_);
  EXPECT_EQ(Names(t.schema), (std::vector<std::string>{"id", "user_id", "received_at"}));
  EXPECT_EQ(t.time_partitioning->field, "received_at");
  EXPECT_EQ(t.clustering_fields, std::vector<std::string>{"user_id"});

  TableRef users{"p", "d", "users"};
  std::vector<Field> user_cols = {{"id", "STRING"}};
  ASSERT_TRUE(tm.EnsureTable(users, user_cols).ok());
  EXPECT_TRUE(fake_.PeekTable(users)->clustering_fields.empty());  // no user_id column
}

TEST_F(TableManagerTest, HotPathMakesNoCallsUntilTheCacheExpires) {
  MakeTable({{"id", "STRING"}, {"total", "FLOAT"}});
  TableManager tm(&fake_, Options());
  std::vector<Field> cols = {{"id", "STRING"}, {"total", "FLOAT"}};
  ASSERT_TRUE(tm.EnsureTable(ref_, cols).ok());
  EXPECT_EQ(fake_.Calls(Method::kGetTable), 1);
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 0);
  fake_.ResetCalls();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(tm.EnsureTable(ref_, cols).ok());
    ASSERT_TRUE(tm.GetTable(ref_).ok());
  }
  EXPECT_EQ(fake_.TotalCalls(), 0);
  clock_.Advance(absl::Minutes(10));
  ASSERT_TRUE(tm.EnsureTable(ref_, cols).ok());
  EXPECT_EQ(fake_.Calls(Method::kGetTable), 1);
  EXPECT_EQ(fake_.TotalCalls(), 1);
}

TEST_F(TableManagerTest, AddsAllMissingColumnsInOnePatch) {
  MakeTable({{"id", "STRING"}});
  TableManager tm(&fake_, Options());
  std::vector<Field> cols = {{"id", "STRING"}, {"total", "FLOAT"}, {"order_id", "STRING"}};
  auto table = tm.EnsureTable(ref_, cols);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(Names(table->schema), (std::vector<std::string>{"id", "total", "order_id"}));
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 1);
  EXPECT_EQ(tm.LastChange(ref_), clock_.Now());
  EXPECT_EQ(tm.stats().columns_added, 2);
  // Asking again (even case-differently) changes nothing.
  std::vector<Field> again = {{"TOTAL", "FLOAT"}};
  ASSERT_TRUE(tm.EnsureTable(ref_, again).ok());
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 1);
}

TEST_F(TableManagerTest, StaleEtagRefetchesAndMergesAnotherInstancesColumns) {
  MakeTable({{"id", "STRING"}});
  TableManager tm(&fake_, Options());
  std::vector<Field> id = {{"id", "STRING"}};
  ASSERT_TRUE(tm.EnsureTable(ref_, id).ok());  // caches etag 1
  // Another collector instance adds columns, one with a type we disagree on.
  Table other = *fake_.PeekTable(ref_);
  other.schema.push_back({"coupon", "STRING"});
  other.schema.push_back({"discount", "FLOAT"});
  ASSERT_TRUE(fake_.PatchTableSchema(ref_, other.schema, other.etag).ok());
  fake_.ResetCalls();

  std::vector<Field> cols = {{"coupon", "INTEGER"}, {"total", "FLOAT"}};
  auto table = tm.EnsureTable(ref_, cols);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(Names(table->schema), (std::vector<std::string>{"id", "coupon", "discount", "total"}));
  EXPECT_EQ(table->schema[1].type, "STRING");  // the existing type wins
  EXPECT_EQ(MergeColumns(table->schema, cols).conflicts,
            (std::vector<TypeConflict>{{"coupon", "STRING", "INTEGER"}}));
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 2);  // 412, then the merged one
  EXPECT_EQ(fake_.Calls(Method::kGetTable), 1);
  EXPECT_EQ(tm.stats().conflict_refetches, 1);
}

TEST_F(TableManagerTest, ColumnAddedConcurrentlyWithSameTypeNeedsNoPatch) {
  MakeTable({{"id", "STRING"}});
  TableManager tm(&fake_, Options());
  std::vector<Field> id = {{"id", "STRING"}};
  ASSERT_TRUE(tm.EnsureTable(ref_, id).ok());
  Table other = *fake_.PeekTable(ref_);
  other.schema.push_back({"total", "FLOAT"});
  ASSERT_TRUE(fake_.PatchTableSchema(ref_, other.schema, "").ok());
  fake_.ResetCalls();
  std::vector<Field> cols = {{"total", "FLOAT"}};
  ASSERT_TRUE(tm.EnsureTable(ref_, cols).ok());
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 1);  // the 412 only
  EXPECT_EQ(tm.stats().patches, 0);
  EXPECT_EQ(tm.LastChange(ref_), clock_.Now());  // new to us, maybe to streaming too
}

TEST_F(TableManagerTest, SixthUpdateWaitsTenSecondsOfFakeTime) {
  TableManager tm(&fake_, Options());
  std::vector<Field> cols = {{"id", "STRING"}};
  ASSERT_TRUE(tm.EnsureTable(ref_, cols).ok());  // update 1: create
  for (int i = 0; i < 4; ++i) {                  // updates 2-5
    cols.push_back({"c" + std::to_string(i), "STRING"});
    ASSERT_TRUE(tm.EnsureTable(ref_, cols).ok());
  }
  EXPECT_EQ(clock_.TotalSlept(), absl::ZeroDuration());
  cols.push_back({"sixth", "STRING"});
  ASSERT_TRUE(tm.EnsureTable(ref_, cols).ok());
  EXPECT_EQ(clock_.TotalSlept(), absl::Seconds(10));
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 5);  // never rate-limited
  EXPECT_EQ(tm.stats().rate_limit_retries, 0);
}

TEST_F(TableManagerTest, RateLimitExceededBacksOffAndRetries) {
  MakeTable({{"id", "STRING"}});
  TableManager tm(&fake_, Options());
  fake_.FailNext(
      Method::kPatchTableSchema,
      WithErrorCode(absl::ResourceExhaustedError("Exceeded rate limits"), "rateLimitExceeded"), 2);
  std::vector<Field> cols = {{"total", "FLOAT"}};
  ASSERT_TRUE(tm.EnsureTable(ref_, cols).ok());
  EXPECT_EQ(clock_.TotalSlept(), absl::Seconds(3));  // 1 s + 2 s
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 3);
  EXPECT_EQ(tm.stats().rate_limit_retries, 2);
}

TEST_F(TableManagerTest, QuotaExceededIsNotRetried) {
  MakeTable({{"id", "STRING"}});
  TableManager tm(&fake_, Options());
  fake_.FailNext(Method::kPatchTableSchema,
                 WithErrorCode(absl::ResourceExhaustedError("quota"), "quotaExceeded"));
  std::vector<Field> cols = {{"total", "FLOAT"}};
  auto r = tm.EnsureTable(ref_, cols);
  EXPECT_TRUE(absl::IsResourceExhausted(r.status()));
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::HasSubstr("adding columns total (FLOAT) to p:d.order_completed"));
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 1);
}

TEST_F(TableManagerTest, ConcurrentCallersShareOnePatch) {
  MakeTable({{"id", "STRING"}});
  TableManager tm(&fake_, Options());
  absl::Notification release;
  std::atomic<bool> first{true};
  fake_.SetBeforeCallHook([&](Method m) {
    if (m == Method::kGetTable && first.exchange(false)) release.WaitForNotification();
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&, i] {
      std::vector<Field> cols = {{"col" + std::to_string(i), "STRING"}};
      if (tm.EnsureTable(ref_, cols).ok()) ++ok;
    });
  }
  // One caller is inside GetTable; wait until the other four are queued behind it.
  while (tm.stats().coalesced_waits < 4) std::this_thread::yield();
  release.Notify();
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(fake_.Calls(Method::kGetTable), 1);
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 1);
  EXPECT_EQ(fake_.PeekTable(ref_)->schema.size(), 6u);
}

TEST_F(TableManagerTest, ConcurrentCallersForANewTableShareOneCreate) {
  TableManager tm(&fake_, Options());
  absl::Notification release;
  std::atomic<bool> first{true};
  fake_.SetBeforeCallHook([&](Method m) {
    if (m == Method::kGetTable && first.exchange(false)) release.WaitForNotification();
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      std::vector<Field> cols = {{"col" + std::to_string(i), "STRING"}};
      EXPECT_TRUE(tm.EnsureTable(ref_, cols).ok());
    });
  }
  while (tm.stats().coalesced_waits < 2) std::this_thread::yield();
  release.Notify();
  for (auto& t : threads) t.join();
  EXPECT_EQ(fake_.Calls(Method::kInsertTable), 1);
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 0);
  EXPECT_EQ(fake_.PeekTable(ref_)->schema.size(), 3u);
}

TEST_F(TableManagerTest, LosingTheCreateRaceReadsTheWinnersTable) {
  (void)fake_.InsertDataset({"p", "d", "US", ""});
  TableManager tm(&fake_, Options());
  std::atomic<bool> first{true};
  fake_.SetBeforeCallHook([&](Method m) {
    if (m == Method::kInsertTable && first.exchange(false)) {
      Table t;
      t.ref = ref_;
      t.schema = {{"id", "STRING"}, {"other", "STRING"}};
      ASSERT_TRUE(fake_.InsertTable(t).ok());
    }
  });
  std::vector<Field> cols = {{"id", "STRING"}, {"total", "FLOAT"}};
  auto table = tm.EnsureTable(ref_, cols);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(Names(table->schema), (std::vector<std::string>{"id", "other", "total"}));
  EXPECT_EQ(tm.LastChange(ref_), clock_.Now());
}

TEST_F(TableManagerTest, ManualModeNamesTheMissingTableAndColumns) {
  TableManagerOptions o = Options();
  o.auto_manage = false;
  TableManager tm(&fake_, o);
  std::vector<Field> cols = {{"id", "STRING"}, {"total", "FLOAT"}, {"order_id", "STRING"}};
  auto missing = tm.EnsureTable(ref_, cols);
  EXPECT_TRUE(absl::IsFailedPrecondition(missing.status()));
  EXPECT_EQ(missing.status().message(),
            "table p:d.order_completed does not exist; BIGQUERY_AUTO_TABLE_MANAGEMENT=false so "
            "opentrack will not create it");

  MakeTable({{"id", "STRING"}});
  clock_.Advance(absl::Seconds(5));  // past the cached NotFound
  auto lacking = tm.EnsureTable(ref_, cols);
  EXPECT_EQ(lacking.status().message(),
            "table p:d.order_completed is missing columns total (FLOAT), order_id (STRING); "
            "BIGQUERY_AUTO_TABLE_MANAGEMENT=false so opentrack will not add them");
  EXPECT_EQ(fake_.Calls(Method::kPatchTableSchema), 0);
  EXPECT_EQ(fake_.Calls(Method::kInsertTable), 0);
  EXPECT_EQ(fake_.Calls(Method::kInsertDataset), 0);

  // An operator adds them; seen after the re-read interval, not before.
  Table t = *fake_.PeekTable(ref_);
  t.schema.push_back({"total", "FLOAT"});
  t.schema.push_back({"order_id", "STRING"});
  ASSERT_TRUE(fake_.PatchTableSchema(ref_, t.schema, "").ok());
  fake_.ResetCalls();
  EXPECT_FALSE(tm.EnsureTable(ref_, cols).ok());
  EXPECT_EQ(fake_.TotalCalls(), 0);
  clock_.Advance(absl::Seconds(5));
  EXPECT_TRUE(tm.EnsureTable(ref_, cols).ok());
  EXPECT_EQ(fake_.Calls(Method::kGetTable), 1);
}

TEST_F(TableManagerTest, NotFoundIsCachedBriefly) {
  TableManager tm(&fake_, Options());
  EXPECT_TRUE(absl::IsNotFound(tm.GetTable(ref_).status()));
  EXPECT_TRUE(absl::IsNotFound(tm.GetTable(ref_).status()));
  EXPECT_EQ(fake_.Calls(Method::kGetTable), 1);
  clock_.Advance(absl::Seconds(5));
  EXPECT_TRUE(absl::IsNotFound(tm.GetTable(ref_).status()));
  EXPECT_EQ(fake_.Calls(Method::kGetTable), 2);
}

TEST_F(TableManagerTest, InvalidateForcesARead) {
  MakeTable({{"id", "STRING"}});
  TableManager tm(&fake_, Options());
  ASSERT_TRUE(tm.GetTable(ref_).ok());
  tm.Invalidate(ref_);
  ASSERT_TRUE(tm.GetTable(ref_).ok());
  EXPECT_EQ(fake_.Calls(Method::kGetTable), 2);
  EXPECT_EQ(tm.LastChange(ref_), absl::InfinitePast());
}

TEST_F(TableManagerTest, TransientErrorsSurfaceAndAreNotCached) {
  MakeTable({{"id", "STRING"}});
  TableManager tm(&fake_, Options());
  fake_.FailNext(Method::kGetTable, absl::UnavailableError("backend"));
  std::vector<Field> cols = {{"id", "STRING"}};
  EXPECT_TRUE(absl::IsUnavailable(tm.EnsureTable(ref_, cols).status()));
  EXPECT_TRUE(tm.EnsureTable(ref_, cols).ok());
}

}  // namespace
}  // namespace opentrack::table_manager
