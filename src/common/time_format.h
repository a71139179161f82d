// ISO-8601 / RFC 3339 parsing and the two output forms we write: Segment's
// millisecond form for event JSON and BigQuery's microsecond form for rows.
#ifndef OPENTRACK_COMMON_TIME_FORMAT_H_
#define OPENTRACK_COMMON_TIME_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace opentrack {

struct TimestampParseOptions {
  // Accept "YYYY-MM-DD" alone (midnight UTC).
  bool allow_date_only = false;
};

// Parses `YYYY-MM-DD[Tt ]HH:MM[:SS[.fraction]][Z|z|+HH:MM|+HHMM|+HH]`.
// A date-time without a zone is taken as UTC. Years 0001-9999 only.
// Returns nullopt for anything else; never throws, cheap on non-dates.
std::optional<absl::Time> ParseTimestamp(std::string_view s, TimestampParseOptions options = {});

// "2024-01-01T00:05:00.000Z"
std::string FormatTimestampMillis(absl::Time t);
// "2024-01-01T00:05:00.000000Z"
std::string FormatTimestampMicros(absl::Time t);
void AppendTimestampMicros(std::string* out, absl::Time t);
// The same text for microseconds since the Unix epoch. Years outside
// 0000-9999, which the form cannot hold, keep their last four digits.
void AppendUnixMicrosTimestamp(std::string* out, int64_t unix_micros);
// The size of "2024-01-01T00:05:00.000000Z".
inline constexpr size_t kUnixMicrosTimestampSize = 27;
// As AppendUnixMicrosTimestamp, into kUnixMicrosTimestampSize bytes at `out`.
void WriteUnixMicrosTimestamp(int64_t unix_micros, char* out);

}  // namespace opentrack

#endif  // OPENTRACK_COMMON_TIME_FORMAT_H_
