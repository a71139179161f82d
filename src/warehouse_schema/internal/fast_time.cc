#include "warehouse_schema/internal/fast_time.h"

#include "absl/time/time.h"
#include "common/time_format.h"

namespace opentrack::warehouse_schema::internal {

std::optional<int64_t> ParseTimestampMicros(std::string_view s) {
  // Shorter than YYYY-MM-DDTHH:MM, or not starting like a date: most string
  // values end here (the same first checks common ParseTimestamp makes).
  if (s.size() < 16 || s[4] != '-' || s[7] != '-' || static_cast<unsigned char>(s[0] - '0') > 9) {
    return std::nullopt;
  }
  const std::optional<absl::Time> t = ParseTimestamp(s);
  if (!t) return std::nullopt;
  return absl::ToUnixMicros(*t);
}

}  // namespace opentrack::warehouse_schema::internal
