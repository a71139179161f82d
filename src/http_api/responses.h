// The Tracking API's JSON answers, and the one place a Status becomes an HTTP
// status. docs/error-codes.md is the table of what each code means.
#ifndef OPENTRACK_HTTP_API_RESPONSES_H_
#define OPENTRACK_HTTP_API_RESPONSES_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "http_server/http_server.h"
#include "segment/request_parser.h"

namespace opentrack::http_api {

// 200 {"success":true}, or with "accepted" and "rejected" when some of a
// batch's events were rejected.
http::Response SuccessResponse(size_t accepted,
                               const std::vector<segment::RejectedEvent>& rejected);

// {"code":...,"message":...} plus "rejected":[...] when `rejected` is non-empty.
http::Response ErrorResponse(int status, std::string_view code, std::string_view message,
                             const std::vector<segment::RejectedEvent>& rejected = {});

// InvalidArgument -> 400 (415 for "unsupported_encoding"), Unauthenticated ->
// 401, ResourceExhausted -> 503 with Retry-After, anything else -> 500
// "internal". The code is the Status's error code when it has one.
http::Response StatusResponse(const absl::Status& status, int retry_after_seconds);

}  // namespace opentrack::http_api

#endif  // OPENTRACK_HTTP_API_RESPONSES_H_
