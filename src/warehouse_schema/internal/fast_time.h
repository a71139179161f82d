// Timestamp parsing and formatting for the mapper's hot path: most string
// values are rejected by a few byte checks before common/time_format.h's
// parser runs, and timestamps are formatted without a std::string.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TIME_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TIME_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace opentrack::warehouse_schema::internal {

// Microseconds since the Unix epoch for a string common ParseTimestamp accepts
// as a full date-time (date-only strings are rejected); nullopt otherwise.
std::optional<int64_t> ParseTimestampMicros(std::string_view s);

// The size of "YYYY-MM-DDTHH:MM:SS.ffffffZ".
inline constexpr size_t kCanonicalTimestampSize = 27;

// 0001-01-01T00:00:00.000000Z and 9999-12-31T23:59:59.999999Z, the range
// WriteCanonicalTimestamp covers (every timestamp an event can hold).
inline constexpr int64_t kMinCanonicalMicros = -62135596800000000;
inline constexpr int64_t kMaxCanonicalMicros = 253402300799999999;

// Writes `micros` since the Unix epoch, in [kMinCanonicalMicros,
// kMaxCanonicalMicros], at `out` (kCanonicalTimestampSize bytes): the text
// common AppendUnixMicrosTimestamp appends.
void WriteCanonicalTimestamp(int64_t micros, char* out);

}  // namespace opentrack::warehouse_schema::internal

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TIME_H_
