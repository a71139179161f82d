#include "http_api/responses.h"

#include <string>

#include "common/error_code.h"
#include "common/json_text.h"

namespace opentrack::http_api {
namespace {

void AppendRejected(std::string* out, const std::vector<segment::RejectedEvent>& rejected) {
  out->append("\"rejected\":[");
  for (size_t i = 0; i < rejected.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append("{\"index\":");
    AppendJsonInt(out, static_cast<int64_t>(rejected[i].index));
    out->append(",\"code\":");
    AppendJsonString(out, rejected[i].code);
    out->append(",\"message\":");
    AppendJsonString(out, rejected[i].message);
    out->push_back('}');
  }
  out->push_back(']');
}

std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace

http::Response SuccessResponse(size_t accepted,
                               const std::vector<segment::RejectedEvent>& rejected) {
  if (rejected.empty()) return http::Response::Json(200, "{\"success\":true}");
  std::string body = "{\"success\":true,\"accepted\":";
  AppendJsonInt(&body, static_cast<int64_t>(accepted));
  body.push_back(',');
  AppendRejected(&body, rejected);
  body.push_back('}');
  return http::Response::Json(200, std::move(body));
}

http::Response ErrorResponse(int status, std::string_view code, std::string_view message,
                             const std::vector<segment::RejectedEvent>& rejected) {
  std::string body = "{\"code\":";
  AppendJsonString(&body, code);
  body.append(",\"message\":");
  AppendJsonString(&body, message);
  if (!rejected.empty()) {
    body.push_back(',');
    AppendRejected(&body, rejected);
  }
  body.push_back('}');
  return http::Response::Json(status, std::move(body));
}

http::Response StatusResponse(const absl::Status& status, int retry_after_seconds) {
  std::string code = ErrorCode(status);
  std::string_view message = ToStd(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      if (code.empty()) code = "invalid_body";
      return ErrorResponse(code == "unsupported_encoding" ? 415 : 400, code, message);
    case absl::StatusCode::kUnauthenticated:
      return ErrorResponse(401, code.empty() ? "invalid_write_key" : code, message);
    case absl::StatusCode::kResourceExhausted: {
      http::Response response =
          ErrorResponse(503, "unavailable", "the collector is at capacity; retry later");
      response.SetHeader("Retry-After", std::to_string(retry_after_seconds));
      return response;
    }
    default:
      // Internal details stay in the logs, not in answers to the public.
      return ErrorResponse(500, "internal", "the event could not be stored; retry later");
  }
}

}  // namespace opentrack::http_api
