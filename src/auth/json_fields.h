// Reads required string fields from a credentials JSON document with errors
// that name the source and the field.
#ifndef OPENTRACK_AUTH_JSON_FIELDS_H_
#define OPENTRACK_AUTH_JSON_FIELDS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"

namespace opentrack::auth::auth_internal {

// Parses `json` into `parser`, requiring a top-level object.
absl::StatusOr<simdjson::dom::object> ParseObject(simdjson::dom::parser& parser,
                                                  std::string_view json, std::string_view source);

// The non-empty string at `field`, or InvalidArgument "<source>: missing field "x"".
absl::StatusOr<std::string> RequiredString(simdjson::dom::object object, std::string_view field,
                                           std::string_view source);

// The string at `field`, or `fallback` when absent or not a string.
std::string OptionalString(simdjson::dom::object object, std::string_view field,
                           std::string_view fallback);

}  // namespace opentrack::auth::auth_internal

#endif  // OPENTRACK_AUTH_JSON_FIELDS_H_
