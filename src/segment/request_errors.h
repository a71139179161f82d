// The whole-request failures and batch-item rejections of a Tracking API
// body (docs/event-format.md "Error codes"), built in one place for
// ParseRequest and ValidateRequest, which must report them identically.
#ifndef OPENTRACK_SEGMENT_REQUEST_ERRORS_H_
#define OPENTRACK_SEGMENT_REQUEST_ERRORS_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "segment/json_kind.h"
#include "segment/request_parser.h"
#include "simdjson.h"

namespace opentrack::segment::internal {

// payload_too_large when the body exceeds its endpoint's limit, else OK.
absl::Status CheckBodySize(size_t size, Endpoint endpoint, const Limits& limits);

// invalid_json: simdjson's `error` (not SUCCESS) explained.
absl::Status InvalidJson(simdjson::error_code error, size_t max_depth);

// invalid_body: the body is valid JSON but not an object.
absl::Status BodyNotAnObject(JsonKind kind);

// invalid_batch: the first `batch` member is missing or not an array.
absl::Status NoBatchArray();
// invalid_batch: a non-null batch-level `context` or `integrations` (`key`)
// that is not an object.
absl::Status BatchFieldNotAnObject(std::string_view key, JsonKind kind);
// invalid_batch: a non-null batch-level `sentAt` that is not a date-time.
absl::Status BadBatchSentAt();

// Batch items rejected before their fields are read, in this order.
RejectedEvent PastBatchLimit(size_t index, size_t max_batch_events);
RejectedEvent ItemNotAnObject(size_t index, JsonKind kind);
RejectedEvent EventTooLarge(size_t index, size_t bytes, size_t max_event_bytes);

}  // namespace opentrack::segment::internal

#endif  // OPENTRACK_SEGMENT_REQUEST_ERRORS_H_
