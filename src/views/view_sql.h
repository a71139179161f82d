// SQL text for the views opentrack keeps over a Segment dataset (pure: no I/O).
// Two kinds: Segment's `<table>_view` dedup views, in the Segment dataset,
// and analytics views (users, accounts, events_unified, session_events,
// identity_map) in a separate dataset, because the Segment dataset already
// has TABLES named `users` and `accounts`. See docs/views.md.
#ifndef OPENTRACK_VIEWS_VIEW_SQL_H_
#define OPENTRACK_VIEWS_VIEW_SQL_H_

#include <span>
#include <string>
#include <string_view>

#include "bigquery/types.h"

namespace opentrack::views {

// `project.dataset.name` in backticks.
std::string QualifiedName(std::string_view project, std::string_view dataset,
                          std::string_view name);

// CREATE OR REPLACE VIEW `project.dataset.view` AS\n<query>
std::string CreateViewStatement(std::string_view project, std::string_view dataset,
                                std::string_view view, std::string_view query);

// Segment's dedup query (spec 4.5): per `id`, the row with the greatest
// `loaded_at`, over the last `lookback_days` day partitions. With an empty
// `partition_field` the table is ingestion-time partitioned and the filter is
// on _PARTITIONTIME, as Segment writes it; otherwise it is on that column's day.
std::string DedupViewQuery(std::string_view project, std::string_view dataset,
                           std::string_view table, int lookback_days,
                           std::string_view partition_field = "");

// The latest row per `id` of `table` (users: id = userId; accounts: id =
// groupId), by received_at then loaded_at, over the whole table: a user not
// seen for months is still a user.
std::string LatestPerIdQuery(std::string_view project, std::string_view dataset,
                             std::string_view table);

// One row per event across the standard event tables present in `tables`
// (tracks, pages, screens, identifies, groups, aliases; others are ignored),
// read from their `_view`s. Columns missing from a table's schema (a column
// exists only once a value was seen) become typed NULLs so the UNION ALL
// branches line up. Empty string when none of those tables is present.
std::string EventsUnifiedQuery(std::string_view project, std::string_view dataset,
                               std::span<const bigquery::Table> tables);

// events_unified plus session_key (anonymous_id, else user_id), session_number
// (1, 2, ... per key) and session_id ("<key>-<number>"): a new session starts
// when the previous event of the same key is `timeout_minutes` or more older.
std::string SessionEventsQuery(std::string_view project, std::string_view analytics_dataset,
                               int timeout_minutes);

// anonymous_id -> user_id pairs seen in identifies (and previous_id -> user_id
// in aliases), with first and last time seen. Empty string when neither table
// has the needed columns.
std::string IdentityMapQuery(std::string_view project, std::string_view dataset,
                             std::span<const bigquery::Table> tables);

}  // namespace opentrack::views

#endif  // OPENTRACK_VIEWS_VIEW_SQL_H_
