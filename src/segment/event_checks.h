// Segment's per-event rules (docs/event-format.md "Error codes"), written
// once over a parser-neutral view of an event's top-level fields: the DOM
// normalizer and the DOM-free validator both decide with them, so they agree
// on every code and message.
#ifndef OPENTRACK_SEGMENT_EVENT_CHECKS_H_
#define OPENTRACK_SEGMENT_EVENT_CHECKS_H_

#include <array>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/attributes.h"
#include "absl/time/time.h"
#include "segment/json_kind.h"
#include "segment/request_parser.h"

namespace opentrack::segment::internal {

// A top-level field as the rules see it. Null counts as absent.
struct FieldValue {
  JsonKind kind = JsonKind::kNull;
  // A string's unescaped content; for a number, a non-empty spelling of at
  // most 32 bytes (the rules only test an id's emptiness and length, and a
  // number's id text, IdText, is never empty nor over 100 characters).
  std::string_view text;

  bool present() const { return kind != JsonKind::kNull; }
  bool is_string() const { return kind == JsonKind::kString; }
};

// The top-level fields the rules read.
enum class EventField {
  kType,
  kMessageId,
  kUserId,
  kAnonymousId,
  kTimestamp,
  kOriginalTimestamp,
  kSentAt,
  kEvent,
  kName,
  kCategory,
  kGroupId,
  kPreviousId,
  kContext,
  kProperties,
  kTraits,
  kIntegrations,
};
inline constexpr size_t kEventFieldCount = 16;

namespace event_checks_internal {
// Whether `key` (of size N - 1) is `name`: a fixed-size compare.
template <size_t N>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool KeyIs(std::string_view key, const char (&name)[N]) {
  return std::memcmp(key.data(), name, N - 1) == 0;
}
}  // namespace event_checks_internal

// The field an (unescaped) key names, if the rules read it. Inline, by
// length and first byte: it runs for every top-level key of every event.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline std::optional<EventField> EventFieldFromKey(
    std::string_view key) {
  using event_checks_internal::KeyIs;
  switch (key.size()) {
    case 4:
      if (KeyIs(key, "type")) return EventField::kType;
      if (KeyIs(key, "name")) return EventField::kName;
      break;
    case 5:
      if (KeyIs(key, "event")) return EventField::kEvent;
      break;
    case 6:
      if (key[0] == 'u' && KeyIs(key, "userId")) return EventField::kUserId;
      if (key[0] == 's' && KeyIs(key, "sentAt")) return EventField::kSentAt;
      if (key[0] == 't' && KeyIs(key, "traits")) return EventField::kTraits;
      break;
    case 7:
      if (key[0] == 'g' && KeyIs(key, "groupId")) return EventField::kGroupId;
      if (key[0] == 'c' && KeyIs(key, "context")) return EventField::kContext;
      break;
    case 8:
      if (KeyIs(key, "category")) return EventField::kCategory;
      break;
    case 9:
      if (key[0] == 'm' && KeyIs(key, "messageId")) return EventField::kMessageId;
      if (key[0] == 't' && KeyIs(key, "timestamp")) return EventField::kTimestamp;
      break;
    case 10:
      if (KeyIs(key, "previousId")) return EventField::kPreviousId;
      if (KeyIs(key, "properties")) return EventField::kProperties;
      break;
    case 11:
      if (KeyIs(key, "anonymousId")) return EventField::kAnonymousId;
      break;
    case 12:
      if (KeyIs(key, "integrations")) return EventField::kIntegrations;
      break;
    case 17:
      if (KeyIs(key, "originalTimestamp")) return EventField::kOriginalTimestamp;
      break;
    default:
      break;
  }
  return std::nullopt;
}

// Filled by a walk over the event's members: for each field, the first
// occurrence that is not null (a duplicated key's later values are ignored).
struct EventFields {
  std::array<FieldValue, kEventFieldCount> values;

  FieldValue& operator[](EventField f) { return values[static_cast<size_t>(f)]; }
  const FieldValue& operator[](EventField f) const { return values[static_cast<size_t>(f)]; }
};

struct Rejection {
  std::string code;
  std::string message;
};

struct EventCheckOptions {
  // Set for single-event endpoints: `type` may be omitted but must match.
  // Unset for batch items, which need a valid `type`.
  std::optional<EventType> endpoint_type;
  std::optional<absl::Time> batch_sent_at;  // used when the event has no sentAt
  absl::Time received_at;
};

// What the rules extracted from an accepted event; views point into the
// fields' texts.
struct CheckedEvent {
  EventType type;
  std::string_view message_id, user_id, anonymous_id;             // "" = absent
  std::string_view event, name, category, group_id, previous_id;  // by type
  bool has_properties = false;
  bool has_traits = false;
  std::optional<absl::Time> sent_at;  // whole microseconds, as all times here
  absl::Time original_timestamp;
  absl::Time timestamp;
};

// Returns why the event is rejected, or nullopt and fills `out`. The checks
// run in the documented order; the first failure is reported.
std::optional<Rejection> CheckEvent(const EventFields& fields, const EventCheckOptions& options,
                                    CheckedEvent* out);

}  // namespace opentrack::segment::internal

#endif  // OPENTRACK_SEGMENT_EVENT_CHECKS_H_
