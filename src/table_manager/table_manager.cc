#include "table_manager/table_manager.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "table_manager/schema_merge.h"

namespace opentrack::table_manager {
namespace {

using bigquery::Field;
using bigquery::Table;
using bigquery::TableRef;

constexpr absl::string_view kAutoVar = "BIGQUERY_AUTO_TABLE_MANAGEMENT=false";

bool IsRateLimited(const absl::Status& s) {
  return absl::IsResourceExhausted(s) && ErrorCode(s) == "rateLimitExceeded";
}

// A PATCH lost a race: the etag is stale (412), or the schema we sent no
// longer matches because another instance changed it meanwhile.
bool IsConcurrentChange(const absl::Status& s) {
  if (absl::IsFailedPrecondition(s)) return true;
  return absl::IsInvalidArgument(s) &&
         (absl::StrContains(s.message(), "already exists in schema") ||
          absl::StrContains(s.message(), "Provided Schema does not match"));
}

bool HasNewColumns(const std::optional<Table>& before, const Table& after) {
  if (!before.has_value()) return false;
  return !MergeColumns(before->schema, after.schema).added.empty();
}

}  // namespace

TableManager::TableManager(bigquery::BigQueryClient* client, TableManagerOptions options)
    : client_(client),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : RealClock::Get()),
      limiter_(clock_, options_.metadata_updates_per_window, options_.metadata_window) {}

bool TableManager::Fresh(const Entry& e) {
  if (!e.fetched) return false;
  absl::Duration ttl = e.table ? options_.schema_cache_ttl : options_.not_found_cache_ttl;
  return clock_->Now() - e.fetched_at < ttl;
}

void TableManager::Store(Entry& e, const Table& table, bool changed) {
  absl::Time now = clock_->Now();
  // A table or columns we did not know about may be just as new to streaming.
  if (changed || HasNewColumns(e.table, table) || (e.fetched && !e.table)) e.last_change = now;
  e.table = table;
  e.fetched = true;
  e.fetched_at = now;
  ++e.generation;
}

absl::StatusOr<Table> TableManager::GetTable(const TableRef& ref) {
  const std::string key = FormatTableRef(ref);
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    Entry& e = entries_[key];
    if (Fresh(e)) {
      if (e.table) return *e.table;
      return WithErrorCode(absl::NotFoundError(absl::StrCat("Not found: Table ", key)), "notFound");
    }
    generation = e.generation;
  }
  absl::StatusOr<Table> table = client_->GetTable(ref);
  absl::MutexLock lock(&mu_);
  Entry& e = entries_[key];
  if (e.generation != generation) {
    // Someone stored a newer state while we read; theirs wins.
    if (Fresh(e) && e.table) return *e.table;
  }
  if (table.ok()) {
    Store(e, *table, false);
  } else if (absl::IsNotFound(table.status())) {
    e.table.reset();
    e.fetched = true;
    e.fetched_at = clock_->Now();
    ++e.generation;
  }
  return table;
}

void TableManager::Invalidate(const TableRef& ref) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(FormatTableRef(ref));
  if (it == entries_.end()) return;
  it->second.fetched = false;
  ++it->second.generation;
}

absl::Time TableManager::LastChange(const TableRef& ref) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(FormatTableRef(ref));
  return it == entries_.end() ? absl::InfinitePast() : it->second.last_change;
}

TableManagerStats TableManager::stats() {
  absl::MutexLock lock(&mu_);
  return stats_;
}

absl::StatusOr<Table> TableManager::EnsureTable(const TableRef& ref,
                                                std::span<const Field> needed) {
  if (!options_.auto_manage) return EnsureManual(ref, needed);
  const std::string key = FormatTableRef(ref);
  mu_.Lock();
  Entry& e = entries_[key];
  while (true) {
    if (Fresh(e) && e.table && MergeColumns(e.table->schema, needed).added.empty()) {
      Table table = *e.table;  // hot path: no call
      mu_.Unlock();
      return table;
    }
    if (!e.busy) break;
    // Someone is already updating this table: hand over our columns so the
    // update in flight can include them, wait, and look again.
    e.pending.insert(e.pending.end(), needed.begin(), needed.end());
    ++stats_.coalesced_waits;
    mu_.Await(absl::Condition(
        +[](Entry* entry) { return !entry->busy; }, &e));
  }
  e.busy = true;
  std::optional<Table> cached;
  if (Fresh(e) && e.table) cached = e.table;
  std::vector<Field> want(needed.begin(), needed.end());
  mu_.Unlock();

  absl::StatusOr<Table> result = Update(ref, e, std::move(cached), std::move(want));

  absl::MutexLock lock(&mu_);
  e.busy = false;
  if (!result.ok()) {
    e.fetched = false;  // state unknown: re-read next time
    ++e.generation;
  }
  return result;
}

absl::StatusOr<Table> TableManager::ReadTable(const TableRef& ref, bool changed) {
  absl::StatusOr<Table> table = client_->GetTable(ref);
  if (!table.ok()) return table;
  absl::MutexLock lock(&mu_);
  Store(entries_[FormatTableRef(ref)], *table, changed);
  return table;
}

void TableManager::TakePending(Entry& e, std::vector<Field>* want) {
  absl::MutexLock lock(&mu_);
  want->insert(want->end(), e.pending.begin(), e.pending.end());
  e.pending.clear();
}

absl::StatusOr<Table> TableManager::Update(const TableRef& ref, Entry& e,
                                           std::optional<Table> cached, std::vector<Field> want) {
  std::optional<Table> table = std::move(cached);
  if (!table) {
    absl::StatusOr<Table> read = ReadTable(ref);
    if (absl::IsNotFound(read.status())) {
      TakePending(e, &want);  // create with the waiters' columns too
      read = Create(ref, e, want);
      // Lost the race to another instance: its table is just as new.
      if (absl::IsAlreadyExists(read.status())) read = ReadTable(ref, /*changed=*/true);
    }
    if (!read.ok()) return read.status();
    table = *std::move(read);
  }
  for (int attempt = 0; attempt < options_.max_update_attempts; ++attempt) {
    TakePending(e, &want);  // columns other callers asked for meanwhile ride along
    SchemaMerge merge = MergeColumns(table->schema, want);
    if (merge.added.empty()) return *table;  // nothing new: no PATCH (it would count)
    absl::StatusOr<Table> patched =
        Paced(ref, [&] { return client_->PatchTableSchema(ref, merge.merged, table->etag); });
    if (patched.ok()) {
      absl::MutexLock lock(&mu_);
      ++stats_.patches;
      stats_.columns_added += static_cast<int64_t>(merge.added.size());
      Store(e, *patched, true);
      return patched;
    }
    if (!IsConcurrentChange(patched.status())) {
      return WithContext(patched.status(),
                         absl::StrCat("adding columns ", DescribeColumns(merge.added), " to ",
                                      FormatTableRef(ref)));
    }
    {
      absl::MutexLock lock(&mu_);
      ++stats_.conflict_refetches;
    }
    absl::StatusOr<Table> reread = ReadTable(ref);
    if (!reread.ok()) return reread.status();
    table = *std::move(reread);
  }
  return WithContext(absl::AbortedError(absl::StrCat("schema kept changing concurrently after ",
                                                     options_.max_update_attempts, " attempts")),
                     FormatTableRef(ref));
}

absl::StatusOr<Table> TableManager::Create(const TableRef& ref, Entry& e,
                                           const std::vector<Field>& want) {
  if (absl::Status s = EnsureDataset(ref); !s.ok()) return s;
  Table table;
  table.ref = ref;
  table.schema = MergeColumns({}, want).merged;
  table.time_partitioning = bigquery::TimePartitioning{"DAY", ""};
  if (options_.partitioning == Partitioning::kReceivedAtDay) {
    SchemaMerge with = MergeColumns(table.schema, std::vector<Field>{{"received_at", "TIMESTAMP"}});
    // A received_at of another type cannot partition; keep ingestion time then.
    if (with.conflicts.empty()) {
      table.schema = with.merged;
      table.time_partitioning->field = "received_at";
    }
  }
  const auto& clustering = options_.clustering_fields;
  if (!clustering.empty() && std::all_of(clustering.begin(), clustering.end(), [&](auto& name) {
        return MergeColumns(table.schema, std::vector<Field>{{name, "STRING"}}).added.empty();
      })) {
    table.clustering_fields = clustering;
  }
  absl::StatusOr<Table> created = Paced(ref, [&] { return client_->InsertTable(table); });
  if (!created.ok()) {
    return WithContext(created.status(), absl::StrCat("creating table ", FormatTableRef(ref)));
  }
  absl::MutexLock lock(&mu_);
  ++stats_.tables_created;
  Store(e, *created, true);
  return created;
}

absl::Status TableManager::EnsureDataset(const TableRef& ref) {
  const std::string key = absl::StrCat(ref.project_id, ":", ref.dataset_id);
  {
    absl::MutexLock lock(&mu_);
    if (datasets_ready_.count(key) != 0) return absl::OkStatus();
  }
  absl::StatusOr<bigquery::Dataset> got = client_->GetDataset(ref.project_id, ref.dataset_id);
  bool created = false;
  if (absl::IsNotFound(got.status())) {
    bigquery::Dataset dataset{ref.project_id, ref.dataset_id, options_.location, ""};
    got = Paced(bigquery::TableRef{ref.project_id, ref.dataset_id, ""},
                [&] { return client_->InsertDataset(dataset); });
    if (absl::IsAlreadyExists(got.status())) got = dataset;  // another instance made it
    created = got.ok();
  }
  if (!got.ok()) return WithContext(got.status(), absl::StrCat("dataset ", key));
  absl::MutexLock lock(&mu_);
  datasets_ready_.insert(key);
  if (created) ++stats_.datasets_created;
  return absl::OkStatus();
}

template <typename Fn>
auto TableManager::Paced(const TableRef& ref, Fn fn) -> decltype(fn()) {
  const std::string key = FormatTableRef(ref);
  absl::Duration backoff = options_.rate_limit_initial_backoff;
  for (int retry = 0;; ++retry) {
    limiter_.Acquire(key);
    auto result = fn();
    if (!IsRateLimited(result.status()) || retry >= options_.max_rate_limit_retries) {
      return result;
    }
    {
      absl::MutexLock lock(&mu_);
      ++stats_.rate_limit_retries;
    }
    clock_->SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.rate_limit_max_backoff);
  }
}

absl::StatusOr<Table> TableManager::EnsureManual(const TableRef& ref,
                                                 std::span<const Field> needed) {
  const std::string name = FormatTableRef(ref);
  absl::StatusOr<Table> table = GetTable(ref);
  for (int round = 0; round < 2; ++round) {
    if (absl::IsNotFound(table.status())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "table ", name, " does not exist; ", kAutoVar, " so opentrack will not create it"));
    }
    if (!table.ok()) return table.status();
    SchemaMerge merge = MergeColumns(table->schema, needed);
    if (merge.added.empty()) return table;
    if (round == 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("table ", name, " is missing columns ", DescribeColumns(merge.added), "; ",
                       kAutoVar, " so opentrack will not add them"));
    }
    // An operator may have added them since we read: re-read, but at most
    // once per not_found_cache_ttl so a missing column costs no call per batch.
    bool reread;
    {
      absl::MutexLock lock(&mu_);
      Entry& e = entries_[name];
      reread = !e.fetched || clock_->Now() - e.fetched_at >= options_.not_found_cache_ttl;
    }
    if (reread) table = ReadTable(ref);
  }
  return table;
}

}  // namespace opentrack::table_manager
