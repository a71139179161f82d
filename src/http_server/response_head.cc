#include "http_server/response_head.h"

#include <charconv>
#include <cstdint>
#include <string_view>

#include "boost/beast/core/string.hpp"
#include "boost/beast/http/status.hpp"

namespace opentrack::http::internal {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

void AppendNumber(uint64_t n, std::string* out) {
  char digits[20];
  const auto result = std::to_chars(digits, digits + sizeof(digits), n);
  out->append(digits, result.ptr);
}

}  // namespace

ResponseFraming AppendResponseHead(const Response& response, unsigned version, bool head,
                                   bool close, std::string* out) {
  ResponseFraming framing;
  const bool valid = response.status >= 100 && response.status <= 999;
  framing.status = valid ? response.status : 500;
  framing.close = close;
  // 1xx, 204 and 304 responses have no body and no Content-Length.
  const bool has_body = framing.status >= 200 && framing.status != 204 && framing.status != 304;
  framing.send_body = has_body && !head;

  out->append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  AppendNumber(static_cast<uint64_t>(framing.status), out);
  out->push_back(' ');
  const beast::string_view reason =
      bhttp::obsolete_reason(static_cast<bhttp::status>(framing.status));
  out->append(reason.data(), reason.size());
  out->append("\r\n");
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) continue;
    if (beast::iequals(name, "Content-Length")) continue;
    if (beast::iequals(name, "Connection")) {
      if (beast::iequals(value, "close")) framing.close = true;
      continue;
    }
    out->append(name);
    out->append(": ");
    out->append(value);
    out->append("\r\n");
  }
  if (has_body) {
    out->append("Content-Length: ");
    AppendNumber(response.body.size(), out);
    out->append("\r\n");
  }
  // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
  if (version == 10) {
    if (!framing.close) out->append("Connection: keep-alive\r\n");
  } else if (framing.close) {
    out->append("Connection: close\r\n");
  }
  out->append("\r\n");
  return framing;
}

}  // namespace opentrack::http::internal
