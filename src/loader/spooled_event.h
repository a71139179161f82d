// The spool record format shared by the HTTP side (writer) and the loader
// (reader): `<source name>\n<normalized event JSON>`. The source name selects
// the destination dataset; it cannot contain a newline, the JSON may.
#ifndef OPENTRACK_LOADER_SPOOLED_EVENT_H_
#define OPENTRACK_LOADER_SPOOLED_EVENT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace opentrack::loader {

// Views into the record passed to DecodeSpooledEvent; valid while it is.
struct SpooledEvent {
  std::string_view source;
  std::string_view json;
};

// `source` must not contain '\n' (source names come from configuration).
std::string EncodeSpooledEvent(std::string_view source, std::string_view json);
// What precedes the JSON in every record of `source`: EncodeSpooledEvent(source,
// json) is SpooledEventPrefix(source) + json. For spool appends that share it.
std::string SpooledEventPrefix(std::string_view source);

// InvalidArgument when the record has no '\n', an empty source or an empty event.
absl::StatusOr<SpooledEvent> DecodeSpooledEvent(std::string_view record);

}  // namespace opentrack::loader

#endif  // OPENTRACK_LOADER_SPOOLED_EVENT_H_
