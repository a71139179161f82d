// `opentrack views apply`: creates the Segment-style dedup views and the
// analytics views for every configured source.
#ifndef OPENTRACK_CLI_VIEWS_COMMAND_H_
#define OPENTRACK_CLI_VIEWS_COMMAND_H_

#include <iosfwd>
#include <string>

#include "absl/status/status.h"
#include "cli/config.h"

namespace opentrack::cli {

struct ViewsFlags {
  std::string analytics_dataset;  // empty: "<dataset>_analytics"
  int lookback_days = 60;
  int session_timeout_minutes = 30;
};

absl::Status RunViewsApply(const Config& config, const ViewsFlags& flags, std::ostream& out);

}  // namespace opentrack::cli

#endif  // OPENTRACK_CLI_VIEWS_COMMAND_H_
