// End-to-end reliability: kill -9 under load, emulator faults and a BigQuery
// outage must lose no event the collector acknowledged with a 200.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/e2e/cluster.h"

namespace opentrack::e2e {
namespace {

std::string Table(const std::string& name) {
  return absl::StrCat("`", kProject, ".", kDataset, ".", name, "`");
}

// A batch of `n` track events with ids prefix-<first>..prefix-<first+n-1>.
std::string NumberedBatch(const std::string& event, const std::string& prefix, int first, int n) {
  std::string body = "{\"batch\":[";
  for (int i = first; i < first + n; ++i) {
    if (i > first) body.push_back(',');
    body += absl::StrCat(R"({"type":"track","userId":"user-)", i % 97, R"(","messageId":")", prefix,
                         "-", i, R"(","event":")", event, R"(","properties":{"n":)", i,
                         R"(,"label":"x)", i % 13, R"("}})");
  }
  return body + "]}";
}

// Sends batches from several threads until `stop`; records the ids of 200s.
class Sender {
 public:
  Sender(Cluster* cluster, std::string event, std::string prefix)
      : cluster_(cluster), event_(std::move(event)), prefix_(std::move(prefix)) {}

  void Run(int threads, int batches_per_thread, int batch_size) {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([=, this] {
        for (int b = 0; b < batches_per_thread && !stop_; ++b) {
          const int first = (t * batches_per_thread + b) * batch_size;
          auto resp =
              cluster_->Post("/v1/batch", NumberedBatch(event_, prefix_, first, batch_size));
          if (resp.ok() && resp->status == 200) {
            std::lock_guard<std::mutex> lock(mu_);
            for (int i = first; i < first + batch_size; ++i) {
              acked_.insert(absl::StrCat(prefix_, "-", i));
            }
          }
        }
      });
    }
    for (auto& th : pool) th.join();
  }
  void Stop() { stop_ = true; }
  std::set<std::string> Acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }

 private:
  Cluster* cluster_;
  std::string event_, prefix_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::set<std::string> acked_;
};

// Every acknowledged id must be in the table (duplicates allowed).
void ExpectAllDelivered(Cluster& cluster, const std::string& table,
                        const std::set<std::string>& acked, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::set<std::string> stored;
  while (absl::Now() < deadline) {
    auto rows = cluster.Query(absl::StrCat("SELECT DISTINCT id FROM ", Table(table)));
    if (rows.ok()) {
      stored.clear();
      for (const auto& r : rows->rows) {
        if (r[0]) stored.insert(*r[0]);
      }
      if (std::includes(stored.begin(), stored.end(), acked.begin(), acked.end())) return;
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
  size_t missing = 0;
  for (const std::string& id : acked) missing += stored.count(id) == 0;
  FAIL() << missing << " of " << acked.size() << " acknowledged events missing from " << table
         << "\n"
         << cluster.CollectorLog();
}

TEST(ReliabilityTest, KillNineUnderLoadLosesNoAcknowledgedEvent) {
  Cluster cluster;
  ASSERT_TRUE(cluster.StartEmulator().ok());
  ASSERT_TRUE(cluster.StartCollector().ok());
  Sender sender(&cluster, "Crash Test", "crash");
  std::thread load(
      [&] { sender.Run(/*threads=*/8, /*batches_per_thread=*/400, /*batch_size=*/20); });
  absl::SleepFor(absl::Milliseconds(1500));
  cluster.KillCollector(SIGKILL);
  sender.Stop();
  load.join();
  cluster.WaitCollector(absl::Seconds(10));
  const std::set<std::string> acked = sender.Acked();
  ASSERT_GT(acked.size(), 100u) << "the load did not get going before the kill";
  RecordProperty("acknowledged_before_kill", static_cast<int>(acked.size()));
  ASSERT_TRUE(cluster.StartCollector().ok()) << cluster.CollectorLog();
  ExpectAllDelivered(cluster, "crash_test", acked, absl::Seconds(120));
}

TEST(ReliabilityTest, InjectedErrorsAndRateLimitsLoseNothing) {
  Cluster cluster;
  ASSERT_TRUE(cluster
                  .StartEmulator({"--error-rate", "0.05", "--error-code", "503", "--error-reason",
                                  "backendError"})
                  .ok());
  // Tiny batches: many insertAll calls, so the 5% of failures really happen.
  ASSERT_TRUE(cluster.StartCollector({{"OPENTRACK_BATCH_MAX_AGE_MS", "1"}}).ok());
  Sender sender(&cluster, "Flaky", "flaky");
  sender.Run(/*threads=*/4, /*batches_per_thread=*/25, /*batch_size=*/20);
  const std::set<std::string> acked = sender.Acked();
  EXPECT_EQ(acked.size(), 2000u);
  ExpectAllDelivered(cluster, "flaky", acked, absl::Seconds(180));
  // One new column at a time, each waited for, forces a schema PATCH per
  // event: more than the 5-per-10 s table metadata quota allows, so the
  // table manager must pace itself (and ride out rateLimitExceeded).
  for (int i = 0; i < 8; ++i) {
    auto resp = cluster.Post(
        "/v1/track", absl::StrCat(R"({"userId":"u","messageId":"col-)", i,
                                  R"(","event":"Flaky","properties":{"new_prop_)", i, R"(":1}})"));
    ASSERT_TRUE(resp.ok());
    ASSERT_EQ(resp->status, 200);
    ASSERT_TRUE(cluster
                    .WaitForCount(absl::StrCat("SELECT COUNT(*) FROM ", Table("flaky"),
                                               " WHERE id = 'col-", i, "'"),
                                  1, absl::Seconds(90))
                    .ok())
        << cluster.CollectorLog();
  }
  auto columns = cluster.Columns("flaky");
  ASSERT_TRUE(columns.ok());
  int new_props = 0;
  for (const auto& [name, type] : *columns) new_props += name.rfind("new_prop_", 0) == 0;
  EXPECT_EQ(new_props, 8);
}

TEST(ReliabilityTest, SigtermFlushesDeliversAndExitsCleanly) {
  Cluster cluster;
  ASSERT_TRUE(cluster.StartEmulator().ok());
  // A long batch age: only the shutdown flush can deliver these in time.
  ASSERT_TRUE(cluster.StartCollector({{"OPENTRACK_BATCH_MAX_AGE_MS", "600000"}}).ok());
  Sender sender(&cluster, "Graceful", "graceful");
  sender.Run(2, 5, 10);
  ASSERT_EQ(sender.Acked().size(), 100u);
  cluster.KillCollector(SIGTERM);
  const int status = cluster.WaitCollector(absl::Seconds(60));
  ASSERT_TRUE(WIFEXITED(status)) << cluster.CollectorLog();
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ExpectAllDelivered(cluster, "graceful", sender.Acked(), absl::Seconds(10));
}

TEST(ReliabilityTest, SigtermWithBigQueryDownExitsWithinTheGraceAndLosesNothing) {
  Cluster cluster;
  ASSERT_TRUE(cluster.StartEmulator().ok());
  const int port = cluster.emulator_port();
  cluster.KillEmulator();
  ASSERT_TRUE(cluster.StartCollector({{"OPENTRACK_SHUTDOWN_GRACE_SECONDS", "2"}}).ok());
  Sender sender(&cluster, "Down", "down");
  sender.Run(1, 5, 10);
  ASSERT_EQ(sender.Acked().size(), 50u);
  cluster.KillCollector(SIGTERM);
  const int status = cluster.WaitCollector(absl::Seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << "serve did not exit after SIGTERM\n" << cluster.CollectorLog();
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The events wait in the spool and go out once BigQuery is back.
  ASSERT_TRUE(cluster.StartEmulator({}, port).ok());
  ASSERT_TRUE(cluster.StartCollector().ok());
  ExpectAllDelivered(cluster, "down", sender.Acked(), absl::Seconds(120));
}

TEST(ReliabilityTest, SixtySecondOutageLosesNothing) {
  Cluster cluster;
  ASSERT_TRUE(cluster.StartEmulator().ok());
  const int port = cluster.emulator_port();
  ASSERT_TRUE(cluster.StartCollector().ok());
  Sender before(&cluster, "Outage", "before");
  before.Run(2, 10, 25);
  cluster.KillEmulator();
  // BigQuery is down: ingestion keeps answering 200 from the spool.
  Sender during(&cluster, "Outage", "during");
  during.Run(2, 10, 25);
  EXPECT_EQ(during.Acked().size(), 500u);
  absl::SleepFor(absl::Seconds(60));
  ASSERT_TRUE(cluster.StartEmulator({}, port).ok());
  std::set<std::string> all = before.Acked();
  const std::set<std::string> d = during.Acked();
  all.insert(d.begin(), d.end());
  ExpectAllDelivered(cluster, "outage", all, absl::Seconds(180));
}

}  // namespace
}  // namespace opentrack::e2e
