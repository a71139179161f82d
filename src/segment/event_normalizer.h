// Validates one Segment event (a single call's body or one batch item) and
// writes its normalized JSON as defined in docs/event-format.md.
#ifndef OPENTRACK_SEGMENT_EVENT_NORMALIZER_H_
#define OPENTRACK_SEGMENT_EVENT_NORMALIZER_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "absl/time/time.h"
#include "segment/event_checks.h"
#include "segment/request_parser.h"
#include "segment/source_spans.h"
#include "simdjson.h"

namespace opentrack::segment::internal {

// Fields a batch body applies to each of its items.
struct BatchDefaults {
  std::optional<simdjson::dom::object> context;       // merged, the item's keys win
  std::optional<simdjson::dom::object> integrations;  // merged, the item's keys win
  std::optional<absl::Time> sent_at;                  // used when the item has none
};

struct NormalizeOptions {
  // Set for single-event endpoints: `type` may be omitted but must match.
  // Unset for batch items, which need a valid `type`.
  std::optional<EventType> endpoint_type;
  const BatchDefaults* batch = nullptr;  // may be null
  absl::Time received_at;
  // received_at as AppendTimestampMicros writes it, formatted once per request
  // (snprintf is a visible cost per event); empty = format it here.
  std::string_view received_at_text;
  std::string_view client_ip;
  // RequestContext::message_id_seed, and the event's index in the request.
  std::optional<UuidSeed> message_id_seed;
  size_t index = 0;
};

// Fills `out` and returns nullopt, or returns why the event is rejected (then
// `out` is unspecified). `event` must stay valid during the call only.
// `member_texts` is empty or the source text of each of `event`'s members in
// order (CollectMemberTexts); objects kept unchanged are then copied from it
// instead of being written again from the DOM.
std::optional<Rejection> NormalizeEvent(simdjson::dom::object event,
                                        std::span<const ValueText> member_texts,
                                        const NormalizeOptions& options, AcceptedEvent* out);

}  // namespace opentrack::segment::internal

#endif  // OPENTRACK_SEGMENT_EVENT_NORMALIZER_H_
