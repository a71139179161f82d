#include "auth/json_fields.h"

#include "absl/status/status.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::auth::auth_internal {

using http_client_internal::Cat;

absl::StatusOr<simdjson::dom::object> ParseObject(simdjson::dom::parser& parser,
                                                  std::string_view json, std::string_view source) {
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root); error) {
    return absl::InvalidArgumentError(
        Cat(source, ": not valid JSON (", simdjson::error_message(error), ")"));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(Cat(source, ": not a JSON object"));
  }
  return object;
}

absl::StatusOr<std::string> RequiredString(simdjson::dom::object object, std::string_view field,
                                           std::string_view source) {
  std::string_view value;
  if (object[field].get_string().get(value) != simdjson::SUCCESS || value.empty()) {
    return absl::InvalidArgumentError(
        Cat(source, ": missing or empty string field \"", field, "\""));
  }
  return std::string(value);
}

std::string OptionalString(simdjson::dom::object object, std::string_view field,
                           std::string_view fallback) {
  std::string_view value;
  if (object[field].get_string().get(value) != simdjson::SUCCESS || value.empty()) {
    return std::string(fallback);
  }
  return std::string(value);
}

}  // namespace opentrack::auth::auth_internal
