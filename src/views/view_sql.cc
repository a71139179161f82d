#include "views/view_sql.h"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace opentrack::views {
namespace {

absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Segment's published template (spec 4.5), with {table}, {filter_column} and
// {lookback_days} filled in. `60 * 60 * 60 * 24 * 1000000` is Segment's own way
// of writing 60 days in microseconds; keeping it makes the default byte-equal.
constexpr char kDedupTemplate[] = R"sql(SELECT * EXCEPT (ROW_NUMBER) FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY loaded_at DESC) ROW_NUMBER
  FROM {table}
  WHERE {filter_column} BETWEEN
    TIMESTAMP_TRUNC(TIMESTAMP_MICROS(UNIX_MICROS(CURRENT_TIMESTAMP()) - {lookback_days} * 60 * 60 * 24 * 1000000), DAY, 'UTC')
    AND TIMESTAMP_TRUNC(CURRENT_TIMESTAMP(), DAY, 'UTC'))
WHERE ROW_NUMBER = 1)sql";

constexpr char kLatestPerIdTemplate[] = R"sql(SELECT * EXCEPT (_latest_rank) FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY received_at DESC, loaded_at DESC) AS _latest_rank
  FROM {table})
WHERE _latest_rank = 1)sql";

// Sessions: LAG finds the gap to the key's previous event, a gap of the
// timeout or more (or no previous event) starts a session, and a running SUM
// of those starts numbers them.
constexpr char kSessionTemplate[] = R"sql(WITH keyed AS (
  SELECT *, COALESCE(anonymous_id, user_id) AS session_key
  FROM {events}
  WHERE COALESCE(anonymous_id, user_id) IS NOT NULL AND timestamp IS NOT NULL
),
with_previous AS (
  SELECT *, LAG(timestamp) OVER (PARTITION BY session_key ORDER BY timestamp, id) AS previous_timestamp
  FROM keyed
),
marked AS (
  SELECT *,
    IF(previous_timestamp IS NULL
       OR TIMESTAMP_DIFF(timestamp, previous_timestamp, SECOND) >= {timeout_seconds}, 1, 0) AS session_start
  FROM with_previous
),
numbered AS (
  SELECT *, SUM(session_start) OVER (PARTITION BY session_key ORDER BY timestamp, id) AS session_number
  FROM marked
)
SELECT * EXCEPT (previous_timestamp, session_start),
  CONCAT(session_key, '-', CAST(session_number AS STRING)) AS session_id
FROM numbered)sql";

// The standard event tables, in the order their branches appear, and the
// value of the `type` column for each.
struct EventTable {
  const char* table;
  const char* type;
};
constexpr std::array<EventTable, 6> kEventTables = {{
    {"tracks", "track"},
    {"pages", "page"},
    {"screens", "screen"},
    {"identifies", "identify"},
    {"groups", "group"},
    {"aliases", "alias"},
}};

enum class Kind { kString, kTimestamp };
struct UnifiedColumn {
  const char* name;
  Kind kind;
};
// Columns of events_unified after `id` and `type`. Present in a table's
// schema: selected as is; missing: a NULL of the column's type.
constexpr std::array<UnifiedColumn, 34> kUnifiedColumns = {{
    {"anonymous_id", Kind::kString},
    {"user_id", Kind::kString},
    {"event", Kind::kString},
    {"event_text", Kind::kString},
    {"name", Kind::kString},
    {"category", Kind::kString},
    {"group_id", Kind::kString},
    {"previous_id", Kind::kString},
    {"timestamp", Kind::kTimestamp},
    {"original_timestamp", Kind::kTimestamp},
    {"sent_at", Kind::kTimestamp},
    {"received_at", Kind::kTimestamp},
    {"loaded_at", Kind::kTimestamp},
    {"context_ip", Kind::kString},
    {"context_user_agent", Kind::kString},
    {"context_locale", Kind::kString},
    {"context_timezone", Kind::kString},
    {"context_library_name", Kind::kString},
    {"context_library_version", Kind::kString},
    {"context_page_url", Kind::kString},
    {"context_page_path", Kind::kString},
    {"context_page_title", Kind::kString},
    {"context_page_referrer", Kind::kString},
    {"context_page_search", Kind::kString},
    {"context_campaign_source", Kind::kString},
    {"context_campaign_medium", Kind::kString},
    {"context_campaign_name", Kind::kString},
    {"context_campaign_term", Kind::kString},
    {"context_campaign_content", Kind::kString},
    {"context_app_name", Kind::kString},
    {"context_app_version", Kind::kString},
    {"context_device_type", Kind::kString},
    {"context_os_name", Kind::kString},
    {"context_os_version", Kind::kString},
}};

const bigquery::Table* FindTable(std::span<const bigquery::Table> tables, std::string_view name) {
  for (const auto& t : tables) {
    if (t.ref.table_id == name) return &t;
  }
  return nullptr;
}

const bigquery::Field* FindField(const bigquery::Table& table, std::string_view name) {
  for (const auto& f : table.schema) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool IsType(const bigquery::Field& f, Kind kind) {
  if (kind == Kind::kTimestamp) return f.type == "TIMESTAMP";
  return f.type == "STRING";
}

// The select-list entry for `column` of `table`.
std::string ColumnExpression(const bigquery::Table& table, const UnifiedColumn& column) {
  const char* type_name = column.kind == Kind::kString ? "STRING" : "TIMESTAMP";
  const bigquery::Field* field = FindField(table, column.name);
  if (field == nullptr) return absl::StrCat("CAST(NULL AS ", type_name, ") AS ", column.name);
  if (IsType(*field, column.kind)) return column.name;
  // A column of another type: its text for STRING; no safe cast to TIMESTAMP.
  if (column.kind == Kind::kString) {
    return absl::StrCat("CAST(", column.name, " AS STRING) AS ", column.name);
  }
  return absl::StrCat("CAST(NULL AS TIMESTAMP) AS ", column.name);
}

std::string Fill(std::string_view tmpl,
                 std::initializer_list<std::pair<absl::string_view, absl::string_view>> vars) {
  return absl::StrReplaceAll(Sv(tmpl), vars);
}

}  // namespace

std::string QualifiedName(std::string_view project, std::string_view dataset,
                          std::string_view name) {
  return absl::StrCat("`", Sv(project), ".", Sv(dataset), ".", Sv(name), "`");
}

std::string CreateViewStatement(std::string_view project, std::string_view dataset,
                                std::string_view view, std::string_view query) {
  return absl::StrCat("CREATE OR REPLACE VIEW ", QualifiedName(project, dataset, view), " AS\n",
                      Sv(query));
}

std::string DedupViewQuery(std::string_view project, std::string_view dataset,
                           std::string_view table, int lookback_days,
                           std::string_view partition_field) {
  std::string filter = partition_field.empty()
                           ? std::string("_PARTITIONTIME")
                           : absl::StrCat("TIMESTAMP_TRUNC(", Sv(partition_field), ", DAY, 'UTC')");
  return Fill(kDedupTemplate, {{"{table}", QualifiedName(project, dataset, table)},
                               {"{filter_column}", filter},
                               {"{lookback_days}", absl::StrCat(lookback_days)}});
}

std::string LatestPerIdQuery(std::string_view project, std::string_view dataset,
                             std::string_view table) {
  return Fill(kLatestPerIdTemplate, {{"{table}", QualifiedName(project, dataset, table)}});
}

std::string EventsUnifiedQuery(std::string_view project, std::string_view dataset,
                               std::span<const bigquery::Table> tables) {
  std::vector<std::string> branches;
  for (const EventTable& et : kEventTables) {
    const bigquery::Table* table = FindTable(tables, et.table);
    if (table == nullptr) continue;
    std::vector<std::string> select = {
        ColumnExpression(*table, {"id", Kind::kString}),
        absl::StrCat("'", et.type, "' AS type"),
    };
    for (const UnifiedColumn& column : kUnifiedColumns) {
      select.push_back(ColumnExpression(*table, column));
    }
    branches.push_back(
        absl::StrCat("SELECT\n  ", absl::StrJoin(select, ",\n  "), "\nFROM ",
                     QualifiedName(project, dataset, absl::StrCat(et.table, "_view"))));
  }
  return absl::StrJoin(branches, "\nUNION ALL\n");
}

std::string SessionEventsQuery(std::string_view project, std::string_view analytics_dataset,
                               int timeout_minutes) {
  return Fill(kSessionTemplate,
              {{"{events}", QualifiedName(project, analytics_dataset, "events_unified")},
               {"{timeout_seconds}", absl::StrCat(timeout_minutes, " * 60")}});
}

std::string IdentityMapQuery(std::string_view project, std::string_view dataset,
                             std::span<const bigquery::Table> tables) {
  struct Source {
    const char* table;
    const char* id_column;
  };
  constexpr Source kSources[] = {{"identifies", "anonymous_id"}, {"aliases", "previous_id"}};
  std::vector<std::string> branches;
  for (const Source& source : kSources) {
    const bigquery::Table* table = FindTable(tables, source.table);
    if (table == nullptr || FindField(*table, source.id_column) == nullptr ||
        FindField(*table, "user_id") == nullptr || FindField(*table, "timestamp") == nullptr) {
      continue;
    }
    branches.push_back(absl::StrCat(
        "  SELECT CAST(", source.id_column, " AS STRING) AS identity_id, '", source.id_column,
        "' AS identity_type, CAST(user_id AS STRING) AS user_id, timestamp\n  FROM ",
        QualifiedName(project, dataset, absl::StrCat(source.table, "_view")), "\n  WHERE ",
        source.id_column, " IS NOT NULL AND user_id IS NOT NULL"));
  }
  if (branches.empty()) return "";
  return absl::StrCat(
      "SELECT identity_id, identity_type, user_id,\n"
      "  MIN(timestamp) AS first_seen_at, MAX(timestamp) AS last_seen_at\n"
      "FROM (\n",
      absl::StrJoin(branches, "\n  UNION ALL\n"),
      ")\n"
      "GROUP BY identity_id, identity_type, user_id");
}

}  // namespace opentrack::views
