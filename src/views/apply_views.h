// Creates or replaces opentrack's views in BigQuery: the Segment `_view`
// dedup views and the analytics views (view_sql.h). Idempotent: every view is
// issued as CREATE OR REPLACE VIEW, so running it again after new tables or
// columns appear refreshes the views.
#ifndef OPENTRACK_VIEWS_APPLY_VIEWS_H_
#define OPENTRACK_VIEWS_APPLY_VIEWS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bigquery/bigquery_client.h"

namespace opentrack::views {

struct ViewsOptions {
  std::string project_id;
  std::string dataset_id;  // the Segment tables of one source
  // Where users/accounts/events_unified/session_events/identity_map go.
  // Empty: "<dataset_id>_analytics" (the Segment dataset has TABLES named
  // users and accounts, so the analytics views cannot live beside them).
  std::string analytics_dataset_id;
  std::string location = "US";  // for the analytics dataset and the queries
  int lookback_days = 60;       // the dedup views' window, as Segment's default
  int session_timeout_minutes = 30;
  // Event tables (`order_completed`, ...) to give a `_view`. The standard
  // Segment tables (tracks, identifies, users, pages, screens, groups,
  // aliases, accounts) are always looked up; the BigQueryClient interface has
  // no tables.list, so the caller names the others (the loader knows them).
  std::vector<std::string> tables;
};

// The names ApplyViews looks up beside options.tables.
const std::vector<std::string>& StandardSegmentTables();

// Looks up each table (missing ones are skipped), creates `<table>_view` for
// every existing base table except `_opentrack_rejected`, creates the
// analytics dataset if needed (AlreadyExists is fine) and the analytics views
// whose sources exist. The first failure stops it, with the view's name in the
// message.
absl::Status ApplyViews(bigquery::BigQueryClient& client, const ViewsOptions& options);

}  // namespace opentrack::views

#endif  // OPENTRACK_VIEWS_APPLY_VIEWS_H_
