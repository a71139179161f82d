// Decides, without normalizing, what ParseRequest would accept and reject in
// a Tracking API body: the collector answers from this and spools the body
// as sent; the loader normalizes it later (ParseRequest, same context).
#ifndef OPENTRACK_SEGMENT_REQUEST_VALIDATOR_H_
#define OPENTRACK_SEGMENT_REQUEST_VALIDATOR_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "segment/request_parser.h"

namespace opentrack::segment {

struct ValidatedRequest {
  std::string write_key;                // as ParsedRequest::write_key
  size_t accepted = 0;                  // ParsedRequest::accepted.size()
  std::vector<RejectedEvent> rejected;  // as ParsedRequest::rejected
};

// For every body, endpoint, context and limits: fails exactly when
// ParseRequest fails, with the same status, and otherwise agrees with it on
// the write key, the accepted count and every rejection (index, code,
// message). `context.message_id_seed` is unused.
//
// Thread-safe: each thread reuses its own parser.
absl::StatusOr<ValidatedRequest> ValidateRequest(std::string_view body, Endpoint endpoint,
                                                 const RequestContext& context,
                                                 const Limits& limits = {});

namespace internal {

// ValidateRequest's fast path alone: its answer, or nullopt where it leaves
// the answer to ParseRequest (the body is not valid JSON, or
// limits.max_depth is 0 or over 2^20). For tests and the fuzzer.
std::optional<absl::StatusOr<ValidatedRequest>> ValidateWithStructuralIndex(
    std::string_view body, Endpoint endpoint, const RequestContext& context, const Limits& limits);

}  // namespace internal

}  // namespace opentrack::segment

#endif  // OPENTRACK_SEGMENT_REQUEST_VALIDATOR_H_
