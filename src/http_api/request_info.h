// Facts about a Tracking API request that come from its headers.
#ifndef OPENTRACK_HTTP_API_REQUEST_INFO_H_
#define OPENTRACK_HTTP_API_REQUEST_INFO_H_

#include <optional>
#include <string>
#include <string_view>

#include "http_server/http_server.h"

namespace opentrack::http_api {

// The user of `Authorization: Basic base64(user:password)` (Segment puts the
// write key there and no password); nullopt when absent or malformed.
std::optional<std::string> BasicAuthUser(std::string_view authorization);

// The first X-Forwarded-For hop when present, else the peer address.
std::string ClientIp(const http::Request& request);

// Adds CORS headers for a browser caller (analytics.js) to a /v1 response:
// the caller's Origin echoed back, or "*" when it sent none.
void AddCorsHeaders(std::string_view origin, http::Response* response);

// 204 answer to an OPTIONS preflight.
http::Response PreflightResponse(const http::Request& request);

}  // namespace opentrack::http_api

#endif  // OPENTRACK_HTTP_API_REQUEST_INFO_H_
