#include "cli/views_command.h"

#include <ostream>

#include "cli/bigquery_target.h"
#include "views/apply_views.h"

namespace opentrack::cli {

absl::Status RunViewsApply(const Config& config, const ViewsFlags& flags, std::ostream& out) {
  auto target = OpenBigQueryTarget(config);
  if (!target.ok()) return target.status();
  absl::Status status = absl::OkStatus();
  for (const SourceConfig& source : config.sources) {
    views::ViewsOptions options;
    options.project_id = target->project_id;
    options.dataset_id = source.dataset;
    options.analytics_dataset_id = flags.analytics_dataset;
    options.location = config.location;
    options.lookback_days = flags.lookback_days;
    options.session_timeout_minutes = flags.session_timeout_minutes;
    // Every base table gets a `_view`; ApplyViews skips views and our own tables.
    auto tables = target->client->ListTables(target->project_id, source.dataset);
    if (!tables.ok()) {
      status = tables.status();
      break;
    }
    for (const bigquery::Table& t : *tables) {
      if (t.type == "TABLE") options.tables.push_back(t.ref.table_id);
    }
    status = views::ApplyViews(*target->client, options);
    if (!status.ok()) break;
    out << "views applied for source " << source.name << " (dataset " << source.dataset << ")\n";
  }
  if (target->embedded_emulator != nullptr) target->embedded_emulator->Shutdown();
  return status;
}

}  // namespace opentrack::cli
