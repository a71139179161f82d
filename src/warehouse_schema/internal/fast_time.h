// Timestamp parsing for the mapper's hot path: most string values are
// rejected by a few byte checks before common/time_format.h's parser runs.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TIME_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TIME_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace opentrack::warehouse_schema::internal {

// Microseconds since the Unix epoch for a string common ParseTimestamp accepts
// as a full date-time (date-only strings are rejected); nullopt otherwise.
std::optional<int64_t> ParseTimestampMicros(std::string_view s);

}  // namespace opentrack::warehouse_schema::internal

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TIME_H_
