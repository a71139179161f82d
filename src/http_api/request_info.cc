#include "http_api/request_info.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"

namespace opentrack::http_api {
namespace {

std::string_view Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

}  // namespace

std::optional<std::string> BasicAuthUser(std::string_view authorization) {
  authorization = Trim(authorization);
  constexpr std::string_view kScheme = "basic ";
  if (authorization.size() < kScheme.size()) return std::nullopt;
  std::string scheme(authorization.substr(0, kScheme.size()));
  if (absl::AsciiStrToLower(scheme) != kScheme) return std::nullopt;
  std::string_view encoded = Trim(authorization.substr(kScheme.size()));
  std::string decoded;
  if (!absl::Base64Unescape(absl::string_view(encoded.data(), encoded.size()), &decoded)) {
    return std::nullopt;
  }
  return decoded.substr(0, decoded.find(':'));
}

std::string ClientIp(const http::Request& request) {
  std::string_view forwarded = request.Header("X-Forwarded-For");
  std::string_view first = Trim(forwarded.substr(0, forwarded.find(',')));
  if (!first.empty()) return std::string(first);
  return request.remote_address;
}

void AddCorsHeaders(std::string_view origin, http::Response* response) {
  if (origin.empty()) {
    response->SetHeader("Access-Control-Allow-Origin", "*");
  } else {
    response->SetHeader("Access-Control-Allow-Origin", std::string(origin));
    response->SetHeader("Vary", "Origin");
  }
}

http::Response PreflightResponse(const http::Request& request) {
  http::Response response;
  response.status = 204;
  AddCorsHeaders(request.Header("Origin"), &response);
  response.SetHeader("Access-Control-Allow-Methods", "POST, OPTIONS");
  std::string_view requested = request.Header("Access-Control-Request-Headers");
  response.SetHeader(
      "Access-Control-Allow-Headers",
      requested.empty() ? "Content-Type, Authorization, Content-Encoding" : std::string(requested));
  response.SetHeader("Access-Control-Max-Age", "86400");
  return response;
}

}  // namespace opentrack::http_api
