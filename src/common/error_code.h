// A machine-readable code carried on an absl::Status as a payload, so a
// caller can branch on "invalid_json" or BigQuery's "rateLimitExceeded"
// without parsing messages, and the code survives added context.
#ifndef OPENTRACK_COMMON_ERROR_CODE_H_
#define OPENTRACK_COMMON_ERROR_CODE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace opentrack {

// Returns `status` with `code` attached (replacing any earlier code).
absl::Status WithErrorCode(absl::Status status, std::string_view code);

// The attached code, or "" when there is none.
std::string ErrorCode(const absl::Status& status);

// Prefixes the message with `context` ("dataset d: ..."), keeping code and payloads.
absl::Status WithContext(const absl::Status& status, std::string_view context);

}  // namespace opentrack

#endif  // OPENTRACK_COMMON_ERROR_CODE_H_
