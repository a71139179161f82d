#include "segment/request_errors.h"

#include <string>

#include "common/error_code.h"

namespace opentrack::segment::internal {
namespace {

absl::Status RequestError(std::string_view code, const std::string& message) {
  return WithErrorCode(absl::InvalidArgumentError(message), code);
}

std::string JsonErrorReason(simdjson::error_code error, size_t max_depth) {
  switch (error) {
    case simdjson::NUMBER_ERROR:
      return "number out of range or malformed (numbers must fit a 64-bit integer or a double)";
    case simdjson::DEPTH_ERROR:
      return "nesting deeper than " + std::to_string(max_depth) + " levels";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::EMPTY:
      return "empty body";
    default:
      return simdjson::error_message(error);
  }
}

}  // namespace

absl::Status InvalidJson(simdjson::error_code error, size_t max_depth) {
  return RequestError("invalid_json", "invalid JSON: " + JsonErrorReason(error, max_depth));
}

absl::Status CheckBodySize(size_t size, Endpoint endpoint, const Limits& limits) {
  const bool is_batch = endpoint == Endpoint::kBatch;
  const size_t max_bytes = is_batch ? limits.max_batch_bytes : limits.max_event_bytes;
  if (size <= max_bytes) return absl::OkStatus();
  return RequestError("payload_too_large", "body is " + std::to_string(size) +
                                               " bytes; the limit for " +
                                               (is_batch ? "a batch" : "a single event") + " is " +
                                               std::to_string(max_bytes) + " bytes");
}

absl::Status BodyNotAnObject(JsonKind kind) {
  return RequestError("invalid_body",
                      "body must be a JSON object, got " + std::string(JsonKindName(kind)));
}

absl::Status NoBatchArray() {
  return RequestError("invalid_batch", "batch body needs a `batch` array");
}

absl::Status BatchFieldNotAnObject(std::string_view key, JsonKind kind) {
  return RequestError("invalid_batch", "batch-level `" + std::string(key) +
                                           "` must be an object, got " +
                                           std::string(JsonKindName(kind)));
}

absl::Status BadBatchSentAt() {
  return RequestError("invalid_batch", "batch-level `sentAt` is not an ISO-8601 date-time string");
}

RejectedEvent PastBatchLimit(size_t index, size_t max_batch_events) {
  return RejectedEvent{index, "batch_too_large",
                       "batch has more than " + std::to_string(max_batch_events) +
                           " events; this one is past the limit"};
}

RejectedEvent ItemNotAnObject(size_t index, JsonKind kind) {
  return RejectedEvent{index, "invalid_event",
                       "batch item must be an object, got " + std::string(JsonKindName(kind))};
}

RejectedEvent EventTooLarge(size_t index, size_t bytes, size_t max_event_bytes) {
  return RejectedEvent{index, "event_too_large",
                       "event is " + std::to_string(bytes) + " bytes; the limit is " +
                           std::to_string(max_event_bytes) + " bytes"};
}

}  // namespace opentrack::segment::internal
