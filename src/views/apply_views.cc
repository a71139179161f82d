#include "views/apply_views.h"

#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "views/view_sql.h"

namespace opentrack::views {
namespace {

constexpr std::string_view kRejectedTable = "_opentrack_rejected";

bool IsDedupCandidate(std::string_view table) {
  return table != kRejectedTable &&
         !absl::EndsWith(absl::string_view(table.data(), table.size()), "_view");
}

// Loads the base tables among the standard ones and `extra`, in that order.
absl::StatusOr<std::vector<bigquery::Table>> LoadTables(bigquery::BigQueryClient& client,
                                                        const ViewsOptions& options) {
  std::vector<std::string> names = StandardSegmentTables();
  names.insert(names.end(), options.tables.begin(), options.tables.end());
  absl::flat_hash_set<std::string> seen;
  std::vector<bigquery::Table> tables;
  for (const std::string& name : names) {
    if (!IsDedupCandidate(name) || !seen.insert(name).second) continue;
    absl::StatusOr<bigquery::Table> table =
        client.GetTable({options.project_id, options.dataset_id, name});
    if (absl::IsNotFound(table.status())) continue;
    if (!table.ok()) {
      return WithContext(table.status(), absl::StrCat("views: reading table ", name));
    }
    if (table->type != "TABLE") continue;
    // Some implementations leave the ref empty; the name we asked for is the truth.
    table->ref = {options.project_id, options.dataset_id, name};
    tables.push_back(*std::move(table));
  }
  return tables;
}

absl::Status CreateView(bigquery::BigQueryClient& client, const ViewsOptions& options,
                        std::string_view dataset, std::string_view view, std::string_view query) {
  bigquery::QueryRequest request;
  request.project_id = options.project_id;
  request.location = options.location;
  request.query = CreateViewStatement(options.project_id, dataset, view, query);
  absl::StatusOr<bigquery::QueryResult> result = client.Query(request);
  if (!result.ok()) {
    return WithContext(
        result.status(),
        absl::StrCat("views: creating ", QualifiedName(options.project_id, dataset, view)));
  }
  return absl::OkStatus();
}

// InsertDataset straight away: AlreadyExists is the common answer and is fine.
absl::Status EnsureDataset(bigquery::BigQueryClient& client, const ViewsOptions& options,
                           const std::string& dataset) {
  bigquery::Dataset wanted;
  wanted.project_id = options.project_id;
  wanted.dataset_id = dataset;
  wanted.location = options.location;
  absl::StatusOr<bigquery::Dataset> created = client.InsertDataset(wanted);
  if (created.ok() || absl::IsAlreadyExists(created.status())) return absl::OkStatus();
  return WithContext(created.status(), absl::StrCat("views: creating dataset ", dataset));
}

bool Has(const std::vector<bigquery::Table>& tables, std::string_view name) {
  for (const auto& t : tables) {
    if (t.ref.table_id == name) return true;
  }
  return false;
}

}  // namespace

const std::vector<std::string>& StandardSegmentTables() {
  static const auto* const kTables = new std::vector<std::string>{
      "tracks", "identifies", "users", "pages", "screens", "groups", "aliases", "accounts"};
  return *kTables;
}

absl::Status ApplyViews(bigquery::BigQueryClient& client, const ViewsOptions& options) {
  absl::StatusOr<std::vector<bigquery::Table>> tables = LoadTables(client, options);
  if (!tables.ok()) return tables.status();

  for (const bigquery::Table& table : *tables) {
    std::string partition_field;
    if (table.time_partitioning.has_value()) partition_field = table.time_partitioning->field;
    const std::string& name = table.ref.table_id;
    absl::Status s = CreateView(client, options, options.dataset_id, absl::StrCat(name, "_view"),
                                DedupViewQuery(options.project_id, options.dataset_id, name,
                                               options.lookback_days, partition_field));
    if (!s.ok()) return s;
  }

  const std::string analytics = options.analytics_dataset_id.empty()
                                    ? absl::StrCat(options.dataset_id, "_analytics")
                                    : options.analytics_dataset_id;
  std::vector<std::pair<std::string, std::string>> views;  // name, query
  for (const char* entity : {"users", "accounts"}) {
    if (Has(*tables, entity)) {
      views.emplace_back(entity, LatestPerIdQuery(options.project_id, options.dataset_id, entity));
    }
  }
  std::string unified = EventsUnifiedQuery(options.project_id, options.dataset_id, *tables);
  if (!unified.empty()) {
    views.emplace_back("events_unified", std::move(unified));
    views.emplace_back("session_events", SessionEventsQuery(options.project_id, analytics,
                                                            options.session_timeout_minutes));
  }
  std::string identity = IdentityMapQuery(options.project_id, options.dataset_id, *tables);
  if (!identity.empty()) views.emplace_back("identity_map", std::move(identity));
  if (views.empty()) return absl::OkStatus();

  if (absl::Status s = EnsureDataset(client, options, analytics); !s.ok()) return s;
  for (const auto& [name, query] : views) {
    if (absl::Status s = CreateView(client, options, analytics, name, query); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace opentrack::views
