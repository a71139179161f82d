// Parses, validates and normalizes Segment Tracking API request bodies
// (/v1/track, /v1/batch, ... and analytics.js's short forms). Pure: no I/O,
// the receive time comes in with the request. docs/event-format.md defines
// the normalized event this produces.
#ifndef OPENTRACK_SEGMENT_REQUEST_PARSER_H_
#define OPENTRACK_SEGMENT_REQUEST_PARSER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/uuid.h"

namespace opentrack::segment {

enum class EventType { kTrack, kIdentify, kPage, kScreen, kGroup, kAlias };

// "track", "identify", "page", "screen", "group", "alias".
std::string_view EventTypeName(EventType type);

// The inverse of EventTypeName; nullopt for anything else.
std::optional<EventType> EventTypeFromName(std::string_view name);

// The endpoint a body was posted to. kBatch covers /v1/batch, /v1/import, /v1/b.
enum class Endpoint { kTrack, kIdentify, kPage, kScreen, kGroup, kAlias, kBatch };

// "/v1/track" and "/v1/t" -> kTrack; identify /v1/i, page /v1/p, screen /v1/s,
// group /v1/g, alias /v1/a, batch /v1/batch /v1/import /v1/b. One trailing '/'
// is tolerated. nullopt otherwise.
std::optional<Endpoint> EndpointFromPath(std::string_view path);

struct Limits {
  size_t max_event_bytes = 32 * 1024;   // per event (single call, or each item of a batch)
  size_t max_batch_bytes = 500 * 1024;  // whole batch body
  size_t max_batch_events = 2500;       // extra events are rejected individually
  size_t max_depth = 64;                // JSON nesting depth
};

struct RequestContext {
  absl::Time received_at;
  std::string client_ip;  // written to context.ip when the event has none; "" = leave alone
  // Bytes past the end of the body that may be read: with
  // simdjson::SIMDJSON_PADDING of them the body is parsed in place rather
  // than copied (a 190 KB copy per 100-event batch).
  size_t body_readable_after_end = 0;
  // Set: an event without a messageId gets UuidFromSeed(seed, its index in
  // the request), so parsing a spooled request again gives the same ids.
  // Unset: a random one.
  std::optional<UuidSeed> message_id_seed;
};

// Its messageId is in `json` only: a copy here cost an allocation per event
// (ids are longer than a short string holds) that nothing read.
struct AcceptedEvent {
  EventType type;
  std::string json;  // the normalized event, docs/event-format.md
};

struct RejectedEvent {
  size_t index;         // position in the batch (0 for single calls)
  std::string code;     // snake_case, e.g. "no_user_anon_id"; docs/event-format.md lists them
  std::string message;  // which field, what was wrong
};

struct ParsedRequest {
  // Body "writeKey": a batch's top level, else its first item that has one; "" if none.
  std::string write_key;
  std::vector<AcceptedEvent> accepted;
  std::vector<RejectedEvent> rejected;
};

// Whole-request failures are InvalidArgument with an error code
// (common/error_code.h): "invalid_json", "payload_too_large", "invalid_body"
// (not a JSON object), "invalid_batch" (no `batch` array, or a malformed
// batch-level field). Per-event problems land in `rejected`.
//
// Thread-safe: each thread reuses its own simdjson parser.
absl::StatusOr<ParsedRequest> ParseRequest(std::string_view body, Endpoint endpoint,
                                           const RequestContext& context,
                                           const Limits& limits = {});

}  // namespace opentrack::segment

#endif  // OPENTRACK_SEGMENT_REQUEST_PARSER_H_
