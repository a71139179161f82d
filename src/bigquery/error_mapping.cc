#include "bigquery/error_mapping.h"

#include <utility>

#include "common/error_code.h"
#include "http_client/internal/str_cat.h"
#include "simdjson.h"

namespace opentrack::bigquery {
namespace {

using http_client_internal::Cat;

std::string_view StringOrEmpty(simdjson::simdjson_result<std::string_view> result) {
  std::string_view value;
  return std::move(result).get(value) == simdjson::SUCCESS ? value : std::string_view();
}

struct Envelope {
  std::string_view message;
  std::string_view reason;
};

// Best effort: whatever fields parse are used; the rest stay empty.
Envelope ParseEnvelope(simdjson::dom::parser& parser, std::string_view body) {
  Envelope envelope;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) return envelope;
  simdjson::dom::element error;
  if (root["error"].get(error) != simdjson::SUCCESS) return envelope;
  if (error.is_string()) {  // OAuth style: {"error":"invalid_grant"}
    envelope.reason = StringOrEmpty(error.get_string());
    return envelope;
  }
  envelope.message = StringOrEmpty(error["message"].get_string());
  simdjson::dom::array errors;
  if (error["errors"].get_array().get(errors) == simdjson::SUCCESS && errors.size() > 0) {
    simdjson::dom::element first = errors.at(0).value_unsafe();
    envelope.reason = StringOrEmpty(first["reason"].get_string());
    if (envelope.message.empty()) envelope.message = StringOrEmpty(first["message"].get_string());
  }
  return envelope;
}

absl::StatusCode CodeFor(int http_status, std::string_view reason) {
  if (reason == "rateLimitExceeded" || reason == "quotaExceeded") {
    return absl::StatusCode::kResourceExhausted;
  }
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 408:
      return absl::StatusCode::kDeadlineExceeded;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 412:
      return absl::StatusCode::kFailedPrecondition;
    case 413:
      return absl::StatusCode::kInvalidArgument;  // payload too large: split and resend
    case 429:
      return absl::StatusCode::kResourceExhausted;
    default:
      break;
  }
  if (http_status >= 500) return absl::StatusCode::kUnavailable;
  if (http_status >= 400) return absl::StatusCode::kFailedPrecondition;
  return absl::StatusCode::kUnknown;  // 1xx/3xx where a final answer was expected
}

// A short, single-line excerpt of a non-JSON body (an HTML error page).
std::string Excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 120)) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  if (body.size() > 120) out += "...";
  return out;
}

}  // namespace

absl::Status MapHttpError(int http_status, std::string_view body, std::string_view what) {
  if (http_status >= 200 && http_status < 300) return absl::OkStatus();
  simdjson::dom::parser parser;
  Envelope envelope = ParseEnvelope(parser, body);
  std::string detail = !envelope.message.empty() ? std::string(envelope.message)
                       : body.empty()            ? std::string("(empty body)")
                                                 : Excerpt(body);
  std::string message = Cat(what, what.empty() ? "" : ": ", "HTTP ", http_status,
                            envelope.reason.empty() ? "" : " ", envelope.reason, ": ", detail);
  absl::Status status(CodeFor(http_status, envelope.reason), message);
  if (!envelope.reason.empty()) status = WithErrorCode(std::move(status), envelope.reason);
  return status;
}

std::string ErrorReason(const absl::Status& status) { return ErrorCode(status); }

}  // namespace opentrack::bigquery
