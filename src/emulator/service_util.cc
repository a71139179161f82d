#include "emulator/service_util.h"

#include "absl/strings/str_cat.h"
#include "emulator/absl_compat.h"
#include "emulator/api_error.h"

namespace opentrack::emulator::internal {

absl::StatusOr<Json> ParseBody(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return Json::Object();
  auto parsed = Json::Parse(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return ApiError(400, "invalid",
                    absl::StrCat("Invalid JSON payload received. ",
                                 parsed.ok() ? "Expected an object." : parsed.status().message()));
  }
  return parsed;
}

http::Response JsonResponse(const Json& body) { return http::Response::Json(200, body.Dump()); }

absl::Status CheckIfMatch(const http::Request& request, std::string_view etag) {
  const std::string_view if_match = request.Header("If-Match");
  if (if_match.empty() || if_match == "*" || if_match == etag) return absl::OkStatus();
  // Tolerate a quoted etag.
  if (if_match.size() == etag.size() + 2 && if_match.front() == '"' &&
      if_match.substr(1, etag.size()) == etag) {
    return absl::OkStatus();
  }
  return ApiError(412, "conditionNotMet", "Precondition check failed.");
}

namespace {

int HttpForReason(const std::string& reason) {
  if (reason == "notFound") return 404;
  if (reason == "duplicate") return 409;
  if (reason == "rateLimitExceeded" || reason == "quotaExceeded" || reason == "accessDenied") {
    return 403;
  }
  return 400;
}

}  // namespace

absl::Status JobFailureToHttp(const Json& job) {
  const Json* status = job.Find("status");
  const Json* error = status != nullptr ? status->Find("errorResult") : nullptr;
  if (error == nullptr) return absl::OkStatus();
  const std::string reason = error->GetString("reason");
  return ApiError(HttpForReason(reason), reason, error->GetString("message"));
}

bool QueryFlag(const http::Request& request, std::string_view name) {
  const std::string v = request.QueryParam(name);
  return v == "true" || v == "1";
}

}  // namespace opentrack::emulator::internal
