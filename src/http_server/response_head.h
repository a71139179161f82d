// Private to the server: the status line and header block of a response,
// written into one reusable buffer so a response goes out in one write.
#ifndef OPENTRACK_HTTP_SERVER_RESPONSE_HEAD_H_
#define OPENTRACK_HTTP_SERVER_RESPONSE_HEAD_H_

#include <string>

#include "http_server/http_server.h"

namespace opentrack::http::internal {

// How a response goes on the wire.
struct ResponseFraming {
  int status = 200;        // the status sent: 500 if the handler's was invalid
  bool send_body = false;  // the body follows the head
  bool close = false;      // the connection closes after this response
};

// Appends the head of `response` to a request of HTTP version `version` (10
// or 11) to `out`. A HEAD request (`head`) gets Content-Length but no body.
// `close` asks for the connection to close; so does a handler's
// "Connection: close". The handler's Content-Length is replaced, and header
// lines holding CR or LF are dropped so a handler cannot split the response.
ResponseFraming AppendResponseHead(const Response& response, unsigned version, bool head,
                                   bool close, std::string* out);

}  // namespace opentrack::http::internal

#endif  // OPENTRACK_HTTP_SERVER_RESPONSE_HEAD_H_
