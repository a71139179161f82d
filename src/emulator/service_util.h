// Small helpers shared by the service's handler files.
#ifndef OPENTRACK_EMULATOR_SERVICE_UTIL_H_
#define OPENTRACK_EMULATOR_SERVICE_UTIL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "emulator/json.h"
#include "http_server/http_server.h"

namespace opentrack::emulator::internal {

// Parses a JSON object body; an empty body is an empty object.
absl::StatusOr<Json> ParseBody(std::string_view body);
http::Response JsonResponse(const Json& body);
// 412 when the request has If-Match and it differs from `etag`.
absl::Status CheckIfMatch(const http::Request& request, std::string_view etag);
// The HTTP error for a DONE job with errorResult (jobs.query answers with it).
absl::Status JobFailureToHttp(const Json& job);
// "true" / "1" query parameter.
bool QueryFlag(const http::Request& request, std::string_view name);

}  // namespace opentrack::emulator::internal

#endif  // OPENTRACK_EMULATOR_SERVICE_UTIL_H_
