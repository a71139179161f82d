#include "loader/spooled_event.h"

#include "absl/status/status.h"

namespace opentrack::loader {

std::string SpooledEventPrefix(std::string_view source) {
  std::string out;
  out.reserve(source.size() + 1);
  out.append(source);
  out.push_back('\n');
  return out;
}

std::string EncodeSpooledEvent(std::string_view source, std::string_view json) {
  std::string out = SpooledEventPrefix(source);
  out.append(json);
  return out;
}

absl::StatusOr<SpooledEvent> DecodeSpooledEvent(std::string_view record) {
  size_t newline = record.find('\n');
  if (newline == std::string_view::npos) {
    return absl::InvalidArgumentError("spool record has no source line");
  }
  SpooledEvent event{record.substr(0, newline), record.substr(newline + 1)};
  if (event.source.empty()) return absl::InvalidArgumentError("spool record has an empty source");
  if (event.json.empty()) return absl::InvalidArgumentError("spool record has an empty event");
  return event;
}

}  // namespace opentrack::loader
