// Keeps BigQuery datasets and tables in the shape the loader needs: creates
// them, appends columns, caches schemas, and paces metadata updates under
// BigQuery's 5-per-10-s per-table limit. See docs/table-management.md.
#ifndef OPENTRACK_TABLE_MANAGER_TABLE_MANAGER_H_
#define OPENTRACK_TABLE_MANAGER_TABLE_MANAGER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bigquery/bigquery_client.h"
#include "common/clock.h"
#include "table_manager/metadata_rate_limiter.h"

namespace opentrack::table_manager {

enum class Partitioning {
  kIngestionTimeDay,  // Segment's layout: _PARTITIONTIME, the arrival day
  kReceivedAtDay,     // DAY on the received_at column
};

struct TableManagerOptions {
  std::string location = "US";  // for datasets this manager creates
  // BIGQUERY_AUTO_TABLE_MANAGEMENT. false: never create or alter anything.
  bool auto_manage = true;
  Partitioning partitioning = Partitioning::kIngestionTimeDay;
  // Applied to a new table only when every field is in its first schema
  // (BigQuery rejects unknown clustering fields). Default none, like Segment.
  std::vector<std::string> clustering_fields;
  absl::Duration schema_cache_ttl = absl::Minutes(10);
  // How long "table not found" is cached, and how often manual mode re-reads
  // a table that lacks columns.
  absl::Duration not_found_cache_ttl = absl::Seconds(5);
  // Rounds of refetch-merge-patch after 412 or a concurrent schema change.
  int max_update_attempts = 5;
  // Local pacing; BigQuery allows 5 table metadata updates per 10 s.
  int metadata_updates_per_window = 5;
  absl::Duration metadata_window = absl::Seconds(10);
  // Backoff when BigQuery still answers rateLimitExceeded (another instance
  // shares the quota).
  absl::Duration rate_limit_initial_backoff = absl::Seconds(1);
  absl::Duration rate_limit_max_backoff = absl::Seconds(32);
  int max_rate_limit_retries = 8;
  Clock* clock = nullptr;  // null: RealClock::Get()
};

struct TableManagerStats {
  int64_t tables_created = 0;
  int64_t datasets_created = 0;
  int64_t patches = 0;  // successful schema PATCHes
  int64_t columns_added = 0;
  int64_t conflict_refetches = 0;  // 412 or concurrent change: re-read and merged
  int64_t rate_limit_retries = 0;  // rateLimitExceeded answers backed off
  int64_t coalesced_waits = 0;     // callers that waited for another's update
};

// Thread-safe. `client` is not owned and must outlive the manager.
class TableManager {
 public:
  TableManager(bigquery::BigQueryClient* client, TableManagerOptions options);

  TableManager(const TableManager&) = delete;
  TableManager& operator=(const TableManager&) = delete;

  // The table as last read; no call while the cache entry is fresh. NotFound
  // is cached for not_found_cache_ttl.
  absl::StatusOr<bigquery::Table> GetTable(const bigquery::TableRef& ref);

  // Returns the table with every needed column present, creating the dataset,
  // the table and the columns (NULLABLE) as needed in auto mode. A needed
  // column that exists with another type is left alone: compare the returned
  // schema (MergeColumns(...).conflicts) and re-plan. Manual mode and a
  // missing table or column: FailedPrecondition naming them.
  absl::StatusOr<bigquery::Table> EnsureTable(const bigquery::TableRef& ref,
                                              std::span<const bigquery::Field> columns_needed);

  // Drops the cached entry (e.g. after insertAll said `no such field`).
  void Invalidate(const bigquery::TableRef& ref);

  // When this manager last created the table, added columns, or saw columns
  // appear on a re-read; InfinitePast if never. Streaming may not see such a
  // change for minutes (spec 3.5), so writers retry `notFound`/`no such
  // field` for a while after it.
  absl::Time LastChange(const bigquery::TableRef& ref);

  TableManagerStats stats();
  const TableManagerOptions& options() const { return options_; }
  Clock* clock() const { return clock_; }

 private:
  struct Entry {
    std::optional<bigquery::Table> table;  // nullopt and fetched: cached NotFound
    bool fetched = false;
    absl::Time fetched_at;
    absl::Time last_change = absl::InfinitePast();
    uint64_t generation = 0;               // bumped on every store, to drop stale reads
    bool busy = false;                     // one caller at a time creates/patches a table
    std::vector<bigquery::Field> pending;  // columns waiters need, for the busy caller
  };

  bool Fresh(const Entry& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Store(Entry& e, const bigquery::Table& table, bool changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<bigquery::Table> EnsureManual(const bigquery::TableRef& ref,
                                               std::span<const bigquery::Field> needed);
  // The busy caller's work, run without mu_: read or create, then patch.
  absl::StatusOr<bigquery::Table> Update(const bigquery::TableRef& ref, Entry& e,
                                         std::optional<bigquery::Table> cached,
                                         std::vector<bigquery::Field> want);
  void TakePending(Entry& e, std::vector<bigquery::Field>* want) ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<bigquery::Table> Create(const bigquery::TableRef& ref, Entry& e,
                                         const std::vector<bigquery::Field>& want);
  absl::Status EnsureDataset(const bigquery::TableRef& ref);
  // Runs a metadata update under the local pacing, backing off on BigQuery's
  // rateLimitExceeded.
  template <typename Fn>
  auto Paced(const bigquery::TableRef& ref, Fn fn) -> decltype(fn());
  // tables.get, stored in the cache; `changed`: the table is known to be new.
  absl::StatusOr<bigquery::Table> ReadTable(const bigquery::TableRef& ref, bool changed = false);

  bigquery::BigQueryClient* const client_;
  const TableManagerOptions options_;
  Clock* const clock_;
  MetadataRateLimiter limiter_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);  // node-stable
  std::set<std::string> datasets_ready_ ABSL_GUARDED_BY(mu_);
  TableManagerStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opentrack::table_manager

#endif  // OPENTRACK_TABLE_MANAGER_TABLE_MANAGER_H_
