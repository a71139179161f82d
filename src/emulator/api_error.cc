#include "emulator/api_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/error_code.h"
#include "common/json_text.h"

namespace opentrack::emulator {
namespace {

constexpr char kHttpPayload[] = "opentrack.dev/emulator/http";

absl::StatusCode CodeFor(int http) {
  switch (http) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 412:
      return absl::StatusCode::kFailedPrecondition;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 501:
      return absl::StatusCode::kUnimplemented;
    case 503:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status ApiError(int http_code, std::string_view reason, std::string_view message) {
  absl::Status status(CodeFor(http_code), absl::string_view(message.data(), message.size()));
  status.SetPayload(kHttpPayload, absl::Cord(absl::StrCat(http_code)));
  return WithErrorCode(std::move(status), reason);
}

int HttpCodeOf(const absl::Status& status) {
  auto payload = status.GetPayload(kHttpPayload);
  int code = 0;
  if (payload.has_value() && absl::SimpleAtoi(std::string(*payload), &code)) return code;
  return 500;
}

std::string ReasonOf(const absl::Status& status) {
  std::string reason = ErrorCode(status);
  return reason.empty() ? "internalError" : reason;
}

std::string_view RpcStatusName(int http_code) {
  switch (http_code) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ALREADY_EXISTS";
    case 412:
      return "FAILED_PRECONDITION";
    case 413:
      return "OUT_OF_RANGE";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return http_code >= 500 ? "INTERNAL" : "UNKNOWN";
  }
}

std::string ErrorBody(const absl::Status& status) {
  const int code = HttpCodeOf(status);
  const std::string message(status.message());
  std::string out = absl::StrCat("{\"error\":{\"code\":", code, ",\"message\":");
  AppendJsonString(&out, message);
  out.append(",\"errors\":[{\"message\":");
  AppendJsonString(&out, message);
  out.append(",\"domain\":\"global\",\"reason\":");
  AppendJsonString(&out, ReasonOf(status));
  out.append("}],\"status\":");
  AppendJsonString(&out, RpcStatusName(code));
  out.append("}}");
  return out;
}

}  // namespace opentrack::emulator
