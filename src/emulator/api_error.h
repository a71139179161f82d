// BigQuery's error contract: a Status carrying the HTTP code and the
// `errors[0].reason`, and the one function that renders the JSON envelope.
#ifndef OPENTRACK_EMULATOR_API_ERROR_H_
#define OPENTRACK_EMULATOR_API_ERROR_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace opentrack::emulator {

// An error BigQuery would return: HTTP `http_code`, reason `reason`.
absl::Status ApiError(int http_code, std::string_view reason, std::string_view message);

inline absl::Status Invalid(std::string_view message) { return ApiError(400, "invalid", message); }
inline absl::Status NotFound(std::string_view message) {
  return ApiError(404, "notFound", message);
}
inline absl::Status Duplicate(std::string_view message) {
  return ApiError(409, "duplicate", message);
}
inline absl::Status InvalidQuery(std::string_view message) {
  return ApiError(400, "invalidQuery", message);
}

// HTTP code of an ApiError (500 for any other status).
int HttpCodeOf(const absl::Status& status);
// Reason of an ApiError ("internalError" for any other status).
std::string ReasonOf(const absl::Status& status);
// google.rpc code name for an HTTP status ("INVALID_ARGUMENT" for 400, ...).
std::string_view RpcStatusName(int http_code);

// {"error":{"code":C,"message":M,"errors":[{"message":M,"domain":"global","reason":R}],"status":S}}
std::string ErrorBody(const absl::Status& status);

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_API_ERROR_H_
