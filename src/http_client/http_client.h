// A small HTTP client interface so callers (auth, bigquery) can be tested
// against scripted fakes and run over libcurl in production.
#ifndef OPENTRACK_HTTP_CLIENT_HTTP_CLIENT_H_
#define OPENTRACK_HTTP_CLIENT_HTTP_CLIENT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opentrack::http_client {

using Headers = std::vector<std::pair<std::string, std::string>>;

// First value of header `name` (case-insensitive), or "" when absent.
std::string_view FindHeader(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  // Whole-request deadline; zero means the client's default.
  absl::Duration timeout = absl::ZeroDuration();

  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;

  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
};

// Sends one request. Any HTTP status is a successful Send; only transport
// failures are errors: Unavailable (refused, reset, DNS) or DeadlineExceeded
// (timeout). Implementations are thread-safe.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

// Percent-encodes everything but RFC 3986 unreserved characters, for URL
// path segments, query values and form bodies.
std::string UrlEncode(std::string_view s);

}  // namespace opentrack::http_client

#endif  // OPENTRACK_HTTP_CLIENT_HTTP_CLIENT_H_
