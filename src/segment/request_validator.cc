#include "segment/request_validator.h"

#include <utility>

namespace opentrack::segment {

// Reference implementation: ParseRequest, with its output dropped.
absl::StatusOr<ValidatedRequest> ValidateRequest(std::string_view body, Endpoint endpoint,
                                                 const RequestContext& context,
                                                 const Limits& limits) {
  absl::StatusOr<ParsedRequest> parsed = ParseRequest(body, endpoint, context, limits);
  if (!parsed.ok()) return parsed.status();
  ValidatedRequest validated;
  validated.write_key = std::move(parsed->write_key);
  validated.accepted = parsed->accepted.size();
  validated.rejected = std::move(parsed->rejected);
  return validated;
}

}  // namespace opentrack::segment
