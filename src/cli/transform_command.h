// `opentrack transform`: Segment events (NDJSON) in, the rows they become out,
// one JSON line per row. For debugging mappings and for benchmarks.
#ifndef OPENTRACK_CLI_TRANSFORM_COMMAND_H_
#define OPENTRACK_CLI_TRANSFORM_COMMAND_H_

#include <iosfwd>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace opentrack::cli {

struct TransformOptions {
  absl::Time received_at;  // stands in for the server's receive time
  absl::Time loaded_at;
  // true: {"table","insertId","row"} with the insertAll-ready row under the
  // schema accumulated so far; false: typed cells as the mapper produced them.
  bool insert_all_rows = true;
  bool print_schemas = false;  // a final {"schemas":{table:[{name,type}]}} line
};

struct TransformStats {
  size_t events = 0;
  size_t rejected = 0;
  size_t rows = 0;
};

// Reads events line by line from `in`; writes rows to `out` and one line per
// rejected event to `errors`. Fails only on I/O problems.
absl::Status RunTransform(std::istream& in, std::ostream& out, std::ostream& errors,
                          const TransformOptions& options, TransformStats* stats);

}  // namespace opentrack::cli

#endif  // OPENTRACK_CLI_TRANSFORM_COMMAND_H_
