// `opentrack query`: runs GoogleSQL against the configured BigQuery, or the
// local emulator's database when no Google settings are given.
#ifndef OPENTRACK_CLI_QUERY_COMMAND_H_
#define OPENTRACK_CLI_QUERY_COMMAND_H_

#include <iosfwd>
#include <string>

#include "absl/status/status.h"
#include "bigquery/types.h"
#include "cli/config.h"

namespace opentrack::cli {

enum class QueryOutput { kTable, kJsonLines };

absl::Status RunQuery(const Config& config, const std::string& sql, QueryOutput output,
                      std::ostream& out);

// Renders results; separated from RunQuery for tests.
void PrintQueryResult(const bigquery::QueryResult& result, QueryOutput output, std::ostream& out);

}  // namespace opentrack::cli

#endif  // OPENTRACK_CLI_QUERY_COMMAND_H_
