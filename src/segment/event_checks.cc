#include "segment/event_checks.h"

#include <cstdint>
#include <utility>

#include "absl/base/attributes.h"
#include "common/time_format.h"
#include "segment/element_text.h"

namespace opentrack::segment::internal {
namespace {

constexpr size_t kMaxMessageIdChars = 100;

Rejection Reject(std::string_view code, std::string message) {
  return Rejection{std::string(code), std::move(message)};
}

std::string Backticked(std::string_view field) {
  std::string out = "`";
  out.append(field);
  out.push_back('`');
  return out;
}

std::string KindOf(const FieldValue& value) { return std::string(JsonKindName(value.kind)); }

size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Reads an optional id-like field (string or number) into *text; an empty
// string counts as absent. Rejects other JSON types with `code`.
std::optional<Rejection> ReadId(std::string_view field, std::string_view code,
                                const FieldValue& value, std::string_view* text) {
  *text = {};
  if (!value.present()) return std::nullopt;
  if (value.kind != JsonKind::kString && value.kind != JsonKind::kNumber) {
    return Reject(code, Backticked(field) + " must be a string or a number, got " + KindOf(value));
  }
  *text = value.text;
  return std::nullopt;
}

// Reads an optional string field; other JSON types are rejected with `code`.
std::optional<Rejection> ReadString(std::string_view field, std::string_view code,
                                    const FieldValue& value, std::string_view* text) {
  *text = {};
  if (!value.present()) return std::nullopt;
  if (!value.is_string()) {
    return Reject(code, Backticked(field) + " must be a string, got " + KindOf(value));
  }
  *text = value.text;
  return std::nullopt;
}

std::optional<Rejection> ReadTime(std::string_view field, const FieldValue& value,
                                  bool allow_date_only, std::optional<absl::Time>* time) {
  if (!value.present()) return std::nullopt;
  if (!value.is_string()) {
    return Reject(
        "invalid_timestamp",
        Backticked(field) + " must be an ISO-8601 date-time string, got " + KindOf(value));
  }
  TimestampParseOptions options;
  options.allow_date_only = allow_date_only;
  *time = ParseTimestamp(value.text, options);
  if (!*time) {
    return Reject("invalid_timestamp", Backticked(field) + " is not an ISO-8601 date-time: " +
                                           QuoteForMessage(value.text));
  }
  return std::nullopt;
}

std::optional<Rejection> CheckObject(std::string_view field, const FieldValue& value) {
  if (!value.present() || value.kind == JsonKind::kObject) return std::nullopt;
  return Reject("invalid_" + std::string(field),
                Backticked(field) + " must be an object, got " + KindOf(value));
}

// The range RFC 3339 (and BigQuery) can represent, years 0001-9999, in
// microseconds since the Unix epoch.
constexpr int64_t kMinMicros = -62135596800 * int64_t{1000000};
constexpr int64_t kMaxMicros = 253402300800 * int64_t{1000000};

std::optional<Rejection> ResolveType(const EventFields& f, const EventCheckOptions& options,
                                     EventType* type) {
  const FieldValue& value = f[EventField::kType];
  if (options.endpoint_type) {
    *type = *options.endpoint_type;
    if (!value.present()) return std::nullopt;
    const std::string_view expected = EventTypeName(*type);
    if (!value.is_string() || value.text != expected) {
      const std::string got = value.is_string() ? QuoteForMessage(value.text) : KindOf(value);
      return Reject("type_mismatch", "`type` is " + got + " but the endpoint takes \"" +
                                         std::string(expected) + "\" events");
    }
    return std::nullopt;
  }
  if (!value.present()) return Reject("invalid_type", "batch item has no `type`");
  if (!value.is_string()) {
    return Reject("invalid_type", "`type` must be a string, got " + KindOf(value));
  }
  const std::optional<EventType> parsed = EventTypeFromName(value.text);
  if (!parsed) {
    return Reject("invalid_type", "`type` " + QuoteForMessage(value.text) +
                                      " is not one of track, identify, page, screen, group, "
                                      "alias");
  }
  *type = *parsed;
  return std::nullopt;
}

std::optional<Rejection> ReadIds(const EventFields& f, CheckedEvent* p) {
  if (auto r =
          ReadId("messageId", "invalid_message_id", f[EventField::kMessageId], &p->message_id)) {
    return r;
  }
  if (const size_t chars = CountCodePoints(p->message_id); chars > kMaxMessageIdChars) {
    return Reject("invalid_message_id",
                  "`messageId` is " + std::to_string(chars) + " characters; the limit is 100");
  }
  if (auto r = ReadId("userId", "invalid_user_id", f[EventField::kUserId], &p->user_id)) return r;
  return ReadId("anonymousId", "invalid_anonymous_id", f[EventField::kAnonymousId],
                &p->anonymous_id);
}

std::optional<Rejection> ReadCallFields(const EventFields& f, CheckedEvent* p) {
  switch (p->type) {
    case EventType::kTrack: {
      const FieldValue& event = f[EventField::kEvent];
      if (!event.present()) return Reject("missing_event", "track call has no `event`");
      if (!event.is_string() || event.text.empty()) {
        return Reject("missing_event",
                      "`event` must be a non-empty string, got " +
                          (event.is_string() ? std::string("\"\"") : KindOf(event)));
      }
      p->event = event.text;
      return std::nullopt;
    }
    case EventType::kPage:
      if (auto r =
              ReadString("category", "invalid_category", f[EventField::kCategory], &p->category)) {
        return r;
      }
      [[fallthrough]];
    case EventType::kScreen:
      return ReadString("name", "invalid_name", f[EventField::kName], &p->name);
    case EventType::kGroup:
      if (auto r = ReadId("groupId", "invalid_group_id", f[EventField::kGroupId], &p->group_id)) {
        return r;
      }
      if (p->group_id.empty()) return Reject("missing_group_id", "group call has no `groupId`");
      return std::nullopt;
    case EventType::kAlias:
      if (auto r = ReadId("previousId", "invalid_previous_id", f[EventField::kPreviousId],
                          &p->previous_id)) {
        return r;
      }
      if (p->previous_id.empty()) {
        return Reject("missing_previous_id", "alias call has no `previousId`");
      }
      return std::nullopt;
    case EventType::kIdentify:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Rejection> CheckObjects(const EventFields& f, CheckedEvent* p) {
  p->has_properties =
      p->type == EventType::kTrack || p->type == EventType::kPage || p->type == EventType::kScreen;
  p->has_traits = p->type == EventType::kIdentify || p->type == EventType::kGroup ||
                  (p->type == EventType::kAlias && f[EventField::kTraits].present());
  if (auto r = CheckObject("context", f[EventField::kContext])) return r;
  if (p->has_properties) {
    if (auto r = CheckObject("properties", f[EventField::kProperties])) return r;
  }
  if (p->has_traits) {
    if (auto r = CheckObject("traits", f[EventField::kTraits])) return r;
  }
  return CheckObject("integrations", f[EventField::kIntegrations]);
}

// docs/event-format.md "Times".
std::optional<Rejection> ReadTimes(const EventFields& f, const EventCheckOptions& options,
                                   CheckedEvent* p) {
  std::optional<absl::Time> original_timestamp, timestamp;
  if (auto r = ReadTime("sentAt", f[EventField::kSentAt], false, &p->sent_at)) return r;
  if (auto r = ReadTime("originalTimestamp", f[EventField::kOriginalTimestamp], false,
                        &original_timestamp)) {
    return r;
  }
  if (auto r = ReadTime("timestamp", f[EventField::kTimestamp], true, &timestamp)) return r;
  if (!p->sent_at) p->sent_at = options.batch_sent_at;
  // Compute with what is written (whole microseconds) so that normalizing a
  // normalized event gives it back unchanged. Integer microseconds, rounded
  // down as absl::Floor rounds, give absl::Time arithmetic's results at a
  // fraction of its cost: parsed times are years 0001-9999, and where
  // received_at saturates or the correction overflows, absl's time is out of
  // range as well.
  if (p->sent_at) p->sent_at = absl::FromUnixMicros(absl::ToUnixMicros(*p->sent_at));
  const std::optional<absl::Time> client_time = original_timestamp ? original_timestamp : timestamp;
  const int64_t received_at = absl::ToUnixMicros(options.received_at);
  const int64_t client = client_time ? absl::ToUnixMicros(*client_time) : received_at;
  int64_t corrected = client;
  bool overflow = false;
  // Without a client time there is no skew to correct: sentAt - receivedAt
  // would only measure network and queueing delay.
  if (client_time && p->sent_at) {
    overflow =
        __builtin_sub_overflow(received_at, absl::ToUnixMicros(*p->sent_at) - client, &corrected);
  }
  if (overflow || corrected < kMinMicros || corrected >= kMaxMicros) {
    return Reject("invalid_timestamp",
                  "`timestamp` corrected for clock skew (receivedAt - (sentAt - "
                  "originalTimestamp)) falls outside years 0001-9999");
  }
  p->original_timestamp = absl::FromUnixMicros(client);
  p->timestamp = absl::FromUnixMicros(corrected);
  return std::nullopt;
}

}  // namespace

std::optional<Rejection> CheckEvent(const EventFields& fields, const EventCheckOptions& options,
                                    CheckedEvent* out) {
  if (auto r = ResolveType(fields, options, &out->type)) return r;
  if (auto r = ReadIds(fields, out)) return r;
  if (auto r = ReadCallFields(fields, out)) return r;
  if (out->user_id.empty() && out->anonymous_id.empty()) {
    return Reject("no_user_anon_id", "event has neither `userId` nor `anonymousId`");
  }
  if (auto r = CheckObjects(fields, out)) return r;
  return ReadTimes(fields, options, out);
}

}  // namespace opentrack::segment::internal
