#include "segment/event_normalizer.h"

#include <span>
#include <string_view>
#include <utility>

#include "absl/time/civil_time.h"
#include "common/json_text.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "segment/element_text.h"
#include "segment/object_merge.h"
#include "segment/source_spans.h"

namespace opentrack::segment::internal {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kMaxMessageIdChars = 100;
// More than the keys and values the normalizer writes itself (type, a
// server messageId, four times) take.
constexpr size_t kGeneratedBytes = 384;

size_t SourceBytes(std::span<const ValueText> texts) {
  size_t n = 0;
  for (const ValueText& t : texts) n += t.text.size();
  return n;
}

// The top-level fields we read. Null counts as absent; the first occurrence
// of a duplicated key wins (as with simdjson's at_key). The *_text members
// hold the source text of the values, when known, to copy them unchanged.
struct Fields {
  std::optional<element> type, message_id, user_id, anonymous_id, timestamp, original_timestamp,
      sent_at, event, name, category, group_id, previous_id, context, properties, traits,
      integrations;
  const ValueText *message_id_text = nullptr, *user_id_text = nullptr, *anonymous_id_text = nullptr,
                  *event_text = nullptr, *name_text = nullptr, *category_text = nullptr,
                  *group_id_text = nullptr, *previous_id_text = nullptr, *context_text = nullptr,
                  *properties_text = nullptr, *traits_text = nullptr, *integrations_text = nullptr;
};

struct KnownField {
  std::string_view key;
  std::optional<element> Fields::*slot;
  const ValueText* Fields::*text = nullptr;  // null for fields never copied
};

constexpr KnownField kKnownFields[] = {
    {"type", &Fields::type},
    {"messageId", &Fields::message_id, &Fields::message_id_text},
    {"userId", &Fields::user_id, &Fields::user_id_text},
    {"anonymousId", &Fields::anonymous_id, &Fields::anonymous_id_text},
    {"timestamp", &Fields::timestamp},
    {"originalTimestamp", &Fields::original_timestamp},
    {"sentAt", &Fields::sent_at},
    {"event", &Fields::event, &Fields::event_text},
    {"name", &Fields::name, &Fields::name_text},
    {"category", &Fields::category, &Fields::category_text},
    {"groupId", &Fields::group_id, &Fields::group_id_text},
    {"previousId", &Fields::previous_id, &Fields::previous_id_text},
    {"context", &Fields::context, &Fields::context_text},
    {"properties", &Fields::properties, &Fields::properties_text},
    {"traits", &Fields::traits, &Fields::traits_text},
    {"integrations", &Fields::integrations, &Fields::integrations_text},
};

// `texts` is empty or holds the source text of each member, in order.
void CollectFields(object event, std::span<const ValueText> texts, Fields* fields) {
  if (!texts.empty() && texts.size() != event.size()) texts = {};
  size_t index = 0;
  for (const simdjson::dom::key_value_pair field : event) {
    const size_t i = index++;
    if (field.value.is_null()) continue;
    for (const KnownField& known : kKnownFields) {
      if (field.key == known.key) {
        std::optional<element>& slot = fields->*known.slot;
        if (!slot) {
          slot = field.value;
          if (known.text != nullptr && !texts.empty()) fields->*known.text = &texts[i];
        }
        break;
      }
    }
  }
}

Rejection Reject(std::string_view code, std::string message) {
  return Rejection{std::string(code), std::move(message)};
}

std::string Backticked(std::string_view field) {
  std::string out = "`";
  out.append(field);
  out.push_back('`');
  return out;
}

size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Reads an optional id-like field (string or number) into *text; an empty
// string counts as absent. Rejects other JSON types with `code`.
std::optional<Rejection> ReadId(std::string_view field, std::string_view code,
                                const std::optional<element>& value, NumberText* scratch,
                                std::string_view* text) {
  *text = {};
  if (!value) return std::nullopt;
  const std::optional<std::string_view> id = IdText(*value, scratch);
  if (!id) {
    return Reject(code, Backticked(field) + " must be a string or a number, got " +
                            std::string(KindName(*value)));
  }
  *text = *id;
  return std::nullopt;
}

// Reads an optional string field; other JSON types are rejected with `code`.
std::optional<Rejection> ReadString(std::string_view field, std::string_view code,
                                    const std::optional<element>& value, std::string_view* text) {
  *text = {};
  if (!value) return std::nullopt;
  if (value->get_string().get(*text) != simdjson::SUCCESS) {
    return Reject(code,
                  Backticked(field) + " must be a string, got " + std::string(KindName(*value)));
  }
  return std::nullopt;
}

std::optional<Rejection> ReadTime(std::string_view field, const std::optional<element>& value,
                                  bool allow_date_only, std::optional<absl::Time>* time) {
  if (!value) return std::nullopt;
  std::string_view text;
  if (value->get_string().get(text) != simdjson::SUCCESS) {
    return Reject("invalid_timestamp", Backticked(field) +
                                           " must be an ISO-8601 date-time string, got " +
                                           std::string(KindName(*value)));
  }
  TimestampParseOptions options;
  options.allow_date_only = allow_date_only;
  *time = ParseTimestamp(text, options);
  if (!*time) {
    return Reject("invalid_timestamp",
                  Backticked(field) + " is not an ISO-8601 date-time: " + QuoteForMessage(text));
  }
  return std::nullopt;
}

std::optional<Rejection> CheckObject(std::string_view field, const std::optional<element>& value) {
  if (!value || value->is_object()) return std::nullopt;
  return Reject("invalid_" + std::string(field),
                Backticked(field) + " must be an object, got " + std::string(KindName(*value)));
}

// The range RFC 3339 (and BigQuery) can represent.
bool InTimestampRange(absl::Time t) {
  static const absl::Time kMin =
      absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  static const absl::Time kMax =
      absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  return t >= kMin && t < kMax;
}

absl::Time TruncateToMicros(absl::Time t) {
  return absl::UnixEpoch() + absl::Floor(t - absl::UnixEpoch(), absl::Microseconds(1));
}

void AppendKey(std::string* out, std::string_view key) {
  out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void AppendTimeField(std::string* out, std::string_view key, absl::Time t) {
  AppendKey(out, key);
  out->push_back('"');
  AppendTimestampMicros(out, t);
  out->push_back('"');
}

// Appends "key":<value>, copying the client's string token when there is one
// (numbers converted to text have none).
void AppendStringField(std::string* out, std::string_view key, std::string_view value,
                       const ValueText* text = nullptr) {
  AppendKey(out, key);
  if (text != nullptr && text->text.starts_with('"')) {
    out->append(text->text);
  } else {
    AppendJsonString(out, value);
  }
}

// Appends "key":<value>, or "key":{} when the object is absent.
void AppendObjectField(std::string* out, std::string_view key, const std::optional<element>& value,
                       const ValueText* text) {
  AppendKey(out, key);
  if (value) {
    AppendObject(out, *value, text);
  } else {
    out->append("{}");
  }
}

std::optional<Rejection> ResolveType(const Fields& fields, const NormalizeOptions& options,
                                     EventType* type) {
  if (options.endpoint_type) {
    *type = *options.endpoint_type;
    if (!fields.type) return std::nullopt;
    std::string_view name;
    const std::string_view expected = EventTypeName(*type);
    if (fields.type->get_string().get(name) != simdjson::SUCCESS || name != expected) {
      const std::string got =
          fields.type->is_string() ? QuoteForMessage(name) : std::string(KindName(*fields.type));
      return Reject("type_mismatch", "`type` is " + got + " but the endpoint takes \"" +
                                         std::string(expected) + "\" events");
    }
    return std::nullopt;
  }
  if (!fields.type) return Reject("invalid_type", "batch item has no `type`");
  std::string_view name;
  if (fields.type->get_string().get(name) != simdjson::SUCCESS) {
    return Reject("invalid_type",
                  "`type` must be a string, got " + std::string(KindName(*fields.type)));
  }
  const std::optional<EventType> parsed = EventTypeFromName(name);
  if (!parsed) {
    return Reject("invalid_type", "`type` " + QuoteForMessage(name) +
                                      " is not one of track, identify, page, screen, group, "
                                      "alias");
  }
  *type = *parsed;
  return std::nullopt;
}

// What validation extracted from an event; views point into the document or
// into the scratch buffers.
struct Parts {
  EventType type;
  NumberText message_id_scratch, user_id_scratch, anonymous_id_scratch, call_id_scratch;
  std::string_view message_id, user_id, anonymous_id;
  std::string_view event, name, category, group_id, previous_id;  // by type
  bool has_properties = false;
  bool has_traits = false;
  std::optional<absl::Time> sent_at;
  absl::Time original_timestamp;
  absl::Time timestamp;
};

std::optional<Rejection> ReadIds(const Fields& f, Parts* p) {
  if (auto r = ReadId("messageId", "invalid_message_id", f.message_id, &p->message_id_scratch,
                      &p->message_id)) {
    return r;
  }
  if (const size_t chars = CountCodePoints(p->message_id); chars > kMaxMessageIdChars) {
    return Reject("invalid_message_id",
                  "`messageId` is " + std::to_string(chars) + " characters; the limit is 100");
  }
  if (auto r = ReadId("userId", "invalid_user_id", f.user_id, &p->user_id_scratch, &p->user_id)) {
    return r;
  }
  return ReadId("anonymousId", "invalid_anonymous_id", f.anonymous_id, &p->anonymous_id_scratch,
                &p->anonymous_id);
}

std::optional<Rejection> ReadCallFields(const Fields& f, Parts* p) {
  switch (p->type) {
    case EventType::kTrack:
      if (!f.event) return Reject("missing_event", "track call has no `event`");
      if (f.event->get_string().get(p->event) != simdjson::SUCCESS || p->event.empty()) {
        return Reject(
            "missing_event",
            "`event` must be a non-empty string, got " +
                (f.event->is_string() ? std::string("\"\"") : std::string(KindName(*f.event))));
      }
      return std::nullopt;
    case EventType::kPage:
      if (auto r = ReadString("category", "invalid_category", f.category, &p->category)) return r;
      [[fallthrough]];
    case EventType::kScreen:
      return ReadString("name", "invalid_name", f.name, &p->name);
    case EventType::kGroup:
      if (auto r = ReadId("groupId", "invalid_group_id", f.group_id, &p->call_id_scratch,
                          &p->group_id)) {
        return r;
      }
      if (p->group_id.empty()) return Reject("missing_group_id", "group call has no `groupId`");
      return std::nullopt;
    case EventType::kAlias:
      if (auto r = ReadId("previousId", "invalid_previous_id", f.previous_id, &p->call_id_scratch,
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

std::optional<Rejection> CheckObjects(const Fields& f, Parts* p) {
  p->has_properties =
      p->type == EventType::kTrack || p->type == EventType::kPage || p->type == EventType::kScreen;
  p->has_traits = p->type == EventType::kIdentify || p->type == EventType::kGroup ||
                  (p->type == EventType::kAlias && f.traits);
  if (auto r = CheckObject("context", f.context)) return r;
  if (p->has_properties) {
    if (auto r = CheckObject("properties", f.properties)) return r;
  }
  if (p->has_traits) {
    if (auto r = CheckObject("traits", f.traits)) return r;
  }
  return CheckObject("integrations", f.integrations);
}

// docs/event-format.md "Times".
std::optional<Rejection> ReadTimes(const Fields& f, const NormalizeOptions& options, Parts* p) {
  std::optional<absl::Time> original_timestamp, timestamp;
  if (auto r = ReadTime("sentAt", f.sent_at, false, &p->sent_at)) return r;
  if (auto r = ReadTime("originalTimestamp", f.original_timestamp, false, &original_timestamp)) {
    return r;
  }
  if (auto r = ReadTime("timestamp", f.timestamp, true, &timestamp)) return r;
  if (!p->sent_at && options.batch != nullptr) p->sent_at = options.batch->sent_at;
  // Compute with what is written (whole microseconds) so that normalizing a
  // normalized event gives it back unchanged.
  for (std::optional<absl::Time>* t : {&p->sent_at, &original_timestamp, &timestamp}) {
    if (*t) **t = TruncateToMicros(**t);
  }
  const std::optional<absl::Time> client_time = original_timestamp ? original_timestamp : timestamp;
  const absl::Time received_at = TruncateToMicros(options.received_at);
  p->original_timestamp = client_time.value_or(received_at);
  p->timestamp = p->original_timestamp;
  // Without a client time there is no skew to correct: sentAt - receivedAt
  // would only measure network and queueing delay.
  if (client_time && p->sent_at) p->timestamp = received_at - (*p->sent_at - *client_time);
  if (!InTimestampRange(p->timestamp)) {
    return Reject("invalid_timestamp",
                  "`timestamp` corrected for clock skew (receivedAt - (sentAt - "
                  "originalTimestamp)) falls outside years 0001-9999");
  }
  return std::nullopt;
}

// Writes the normalized event; returns the bytes merged in from the batch or
// the client address, which do not count towards the event's size.
size_t WriteEvent(const Fields& f, const Parts& p, std::string_view message_id,
                  const NormalizeOptions& options, std::string* json) {
  json->append("{\"type\":\"");
  json->append(EventTypeName(p.type));
  json->push_back('"');
  // A server-assigned messageId (the client's was absent or "") has no text.
  AppendStringField(json, "messageId", message_id,
                    p.message_id.empty() ? nullptr : f.message_id_text);
  if (options.received_at_text.empty()) {
    AppendTimeField(json, "receivedAt", options.received_at);
  } else {
    AppendKey(json, "receivedAt");
    json->push_back('"');
    json->append(options.received_at_text);
    json->push_back('"');
  }
  if (p.sent_at) AppendTimeField(json, "sentAt", *p.sent_at);
  AppendTimeField(json, "originalTimestamp", p.original_timestamp);
  AppendTimeField(json, "timestamp", p.timestamp);
  if (!p.anonymous_id.empty()) {
    AppendStringField(json, "anonymousId", p.anonymous_id, f.anonymous_id_text);
  }
  if (!p.user_id.empty()) AppendStringField(json, "userId", p.user_id, f.user_id_text);
  switch (p.type) {
    case EventType::kTrack:
      AppendStringField(json, "event", p.event, f.event_text);
      break;
    case EventType::kPage:
    case EventType::kScreen:
      if (f.name) AppendStringField(json, "name", p.name, f.name_text);
      if (f.category && p.type == EventType::kPage) {
        AppendStringField(json, "category", p.category, f.category_text);
      }
      break;
    case EventType::kGroup:
      AppendStringField(json, "groupId", p.group_id, f.group_id_text);
      break;
    case EventType::kAlias:
      AppendStringField(json, "previousId", p.previous_id, f.previous_id_text);
      break;
    case EventType::kIdentify:
      break;
  }
  const std::optional<object> no_object;
  const BatchDefaults* batch = options.batch;
  size_t foreign_bytes = 0;
  AppendKey(json, "context");
  foreign_bytes += AppendMergedObject(json, f.context, f.context_text,
                                      batch ? batch->context : no_object, options.client_ip);
  if (p.has_properties) AppendObjectField(json, "properties", f.properties, f.properties_text);
  if (p.has_traits) AppendObjectField(json, "traits", f.traits, f.traits_text);
  AppendKey(json, "integrations");
  foreign_bytes += AppendMergedObject(json, f.integrations, f.integrations_text,
                                      batch ? batch->integrations : no_object, {});
  json->push_back('}');
  return foreign_bytes;
}

}  // namespace

std::optional<Rejection> NormalizeEvent(object event, std::span<const ValueText> member_texts,
                                        const NormalizeOptions& options, AcceptedEvent* out) {
  Fields f;
  CollectFields(event, member_texts, &f);
  Parts p;
  if (auto r = ResolveType(f, options, &p.type)) return r;
  if (auto r = ReadIds(f, &p)) return r;
  if (auto r = ReadCallFields(f, &p)) return r;
  if (p.user_id.empty() && p.anonymous_id.empty()) {
    return Reject("no_user_anon_id", "event has neither `userId` nor `anonymousId`");
  }
  if (auto r = CheckObjects(f, &p)) return r;
  if (auto r = ReadTimes(f, options, &p)) return r;

  out->type = p.type;
  std::string assigned_id;
  std::string_view message_id = p.message_id;
  if (message_id.empty()) {
    assigned_id = options.message_id_seed ? UuidFromSeed(*options.message_id_seed, options.index)
                                          : NewUuid();
    message_id = assigned_id;
  }
  // Reserved once from the size of the source, which bounds the output in
  // all but odd cases: growing the string step by step cost several
  // reallocations, and writing elsewhere first cost a copy. The padding lets
  // the loader's mapper parse the event in place (readable_after_end).
  std::string& json = out->json;
  json.clear();
  json.reserve(kGeneratedBytes + options.client_ip.size() + SourceBytes(member_texts) +
               simdjson::SIMDJSON_PADDING);
  const size_t foreign_bytes = WriteEvent(f, p, message_id, options, &json);
  if (options.max_event_bytes != 0 && json.size() - foreign_bytes > options.max_event_bytes) {
    return Reject("event_too_large", "event is " + std::to_string(json.size() - foreign_bytes) +
                                         " bytes once normalized; the limit is " +
                                         std::to_string(options.max_event_bytes) + " bytes");
  }
  return std::nullopt;
}

}  // namespace opentrack::segment::internal
