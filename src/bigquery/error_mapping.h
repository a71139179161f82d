// The one place an HTTP answer from BigQuery becomes an absl::Status.
#ifndef OPENTRACK_BIGQUERY_ERROR_MAPPING_H_
#define OPENTRACK_BIGQUERY_ERROR_MAPPING_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace opentrack::bigquery {

// Maps a non-2xx answer to a Status (2xx gives OK). Reads Google's error
// envelope {"error":{"code","message","errors":[{"reason"}],"status"}} and
// survives empty, HTML or truncated bodies. The code follows the HTTP status
// except that 403 rateLimitExceeded/quotaExceeded become ResourceExhausted;
// errors[0].reason rides on the Status (ErrorReason()); the message is
// "HTTP <code> <reason>: <BigQuery's message>". `what` (e.g. "tables.get
// p:d.t") prefixes the message.
absl::Status MapHttpError(int http_status, std::string_view body, std::string_view what = "");

// BigQuery's errors[0].reason carried by `status`, or "" (common/error_code.h).
std::string ErrorReason(const absl::Status& status);

}  // namespace opentrack::bigquery

#endif  // OPENTRACK_BIGQUERY_ERROR_MAPPING_H_
