// A small generic HTTP/1.1 server over Boost.Beast, shared by the collector's
// Tracking API and the BigQuery emulator. It knows nothing about either: it
// parses requests, hands them to one handler, and writes the response back.
#ifndef OPENTRACK_HTTP_SERVER_HTTP_SERVER_H_
#define OPENTRACK_HTTP_SERVER_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opentrack::http {

// Bytes of capacity Request::body keeps past its end when the request
// declared a Content-Length: a parser that reads past the end of its input
// (simdjson reads 64) can then use the body in place.
inline constexpr size_t kBodyReadSlack = 64;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path plus query, as sent
  std::string path;    // target up to '?', percent-decoding not applied
  std::string query;   // after '?', without it
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;

  // First header with this name, compared case-insensitively; "" if absent.
  std::string_view Header(std::string_view name) const;
  // Value of a query parameter (percent-decoded), or "" if absent.
  std::string QueryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body);
  // Replaces the first header with this name (case-insensitive) or appends one.
  void SetHeader(std::string name, std::string value);
  // First header with this name, compared case-insensitively; "" if absent.
  std::string_view Header(std::string_view name) const;
};

// Decodes %XX escapes and '+' (as a space), as in query strings; malformed
// escapes are kept literally.
std::string PercentDecode(std::string_view s);

// Completes one request. Move-only; call exactly once, from any thread.
using Responder = std::function<void(Response)>;

// Called for every request, on a server thread. It may answer at once or keep
// the responder and answer later from another thread (the collector answers
// after the spool's fsync), so slow work never ties up an I/O thread.
using Handler = std::function<void(Request request, Responder respond)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; read it back with port()
  int io_threads = 2;
  // Bodies above this get 413 before the handler runs.
  size_t max_body_bytes = 16 * 1024 * 1024;
  absl::Duration idle_timeout = absl::Seconds(60);
  // Request line plus headers above this are refused with 431.
  size_t max_header_bytes = 64 * 1024;
};

class Server {
 public:
  // Binds, listens and starts the I/O threads.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options, Handler handler);

  virtual ~Server() = default;
  virtual uint16_t port() const = 0;
  // Stops accepting, lets in-flight requests finish (bounded by `grace`), joins
  // the threads. Idempotent; the destructor calls it.
  virtual void Shutdown(absl::Duration grace = absl::Seconds(10)) = 0;
};

}  // namespace opentrack::http

#endif  // OPENTRACK_HTTP_SERVER_HTTP_SERVER_H_
