#include "segment/event_normalizer.h"

#include <array>
#include <span>
#include <string_view>

#include "common/json_text.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "segment/element_text.h"
#include "segment/event_checks.h"
#include "segment/object_merge.h"
#include "segment/source_spans.h"

namespace opentrack::segment::internal {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// More than the keys and values the normalizer writes itself (type, a
// server messageId, four times) take.
constexpr size_t kGeneratedBytes = 384;

size_t SourceBytes(std::span<const ValueText> texts) {
  size_t n = 0;
  for (const ValueText& t : texts) n += t.text.size();
  return n;
}

// The top-level fields: as the rules see them (event_checks.h), plus what
// writing needs, the DOM values of the objects and the source text of
// values copied unchanged.
struct Fields {
  EventFields values;
  std::array<std::optional<element>, kEventFieldCount> elements;
  std::array<const ValueText*, kEventFieldCount> texts{};
  std::array<NumberText, kEventFieldCount> number_texts;  // numbers' id text

  const std::optional<element>& Element(EventField f) const {
    return elements[static_cast<size_t>(f)];
  }
  const ValueText* Text(EventField f) const { return texts[static_cast<size_t>(f)]; }
};

// `texts` is empty or holds the source text of each member, in order. Null
// counts as absent; the first other occurrence of a duplicated key wins.
void CollectFields(object event, std::span<const ValueText> texts, Fields* fields) {
  if (!texts.empty() && texts.size() != event.size()) texts = {};
  size_t index = 0;
  for (const simdjson::dom::key_value_pair field : event) {
    const size_t i = index++;
    const std::optional<EventField> known = EventFieldFromKey(field.key);
    if (!known) continue;
    const size_t k = static_cast<size_t>(*known);
    FieldValue& value = fields->values.values[k];
    if (value.present() || field.value.is_null()) continue;
    value.kind = KindOf(field.value);
    if (value.kind == JsonKind::kString || value.kind == JsonKind::kNumber) {
      value.text = *IdText(field.value, &fields->number_texts[k]);
    }
    fields->elements[k] = field.value;
    if (!texts.empty()) fields->texts[k] = &texts[i];
  }
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

// Writes the normalized event (docs/event-format.md).
void WriteEvent(const Fields& f, const CheckedEvent& p, std::string_view message_id,
                const NormalizeOptions& options, std::string* json) {
  json->append("{\"type\":\"");
  json->append(EventTypeName(p.type));
  json->push_back('"');
  // A server-assigned messageId (the client's was absent or "") has no text.
  AppendStringField(json, "messageId", message_id,
                    p.message_id.empty() ? nullptr : f.Text(EventField::kMessageId));
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
    AppendStringField(json, "anonymousId", p.anonymous_id, f.Text(EventField::kAnonymousId));
  }
  if (!p.user_id.empty()) {
    AppendStringField(json, "userId", p.user_id, f.Text(EventField::kUserId));
  }
  switch (p.type) {
    case EventType::kTrack:
      AppendStringField(json, "event", p.event, f.Text(EventField::kEvent));
      break;
    case EventType::kPage:
    case EventType::kScreen:
      if (f.Element(EventField::kName)) {
        AppendStringField(json, "name", p.name, f.Text(EventField::kName));
      }
      if (f.Element(EventField::kCategory) && p.type == EventType::kPage) {
        AppendStringField(json, "category", p.category, f.Text(EventField::kCategory));
      }
      break;
    case EventType::kGroup:
      AppendStringField(json, "groupId", p.group_id, f.Text(EventField::kGroupId));
      break;
    case EventType::kAlias:
      AppendStringField(json, "previousId", p.previous_id, f.Text(EventField::kPreviousId));
      break;
    case EventType::kIdentify:
      break;
  }
  const std::optional<object> no_object;
  const BatchDefaults* batch = options.batch;
  AppendKey(json, "context");
  AppendMergedObject(json, f.Element(EventField::kContext), f.Text(EventField::kContext),
                     batch ? batch->context : no_object, options.client_ip);
  if (p.has_properties) {
    AppendObjectField(json, "properties", f.Element(EventField::kProperties),
                      f.Text(EventField::kProperties));
  }
  if (p.has_traits) {
    AppendObjectField(json, "traits", f.Element(EventField::kTraits), f.Text(EventField::kTraits));
  }
  AppendKey(json, "integrations");
  AppendMergedObject(json, f.Element(EventField::kIntegrations), f.Text(EventField::kIntegrations),
                     batch ? batch->integrations : no_object, {});
  json->push_back('}');
}

}  // namespace

std::optional<Rejection> NormalizeEvent(object event, std::span<const ValueText> member_texts,
                                        const NormalizeOptions& options, AcceptedEvent* out) {
  Fields f;
  CollectFields(event, member_texts, &f);
  EventCheckOptions check_options;
  check_options.endpoint_type = options.endpoint_type;
  if (options.batch != nullptr) check_options.batch_sent_at = options.batch->sent_at;
  check_options.received_at = options.received_at;
  CheckedEvent p;
  if (auto r = CheckEvent(f.values, check_options, &p)) return r;

  out->type = p.type;
  std::string assigned_id;
  std::string_view message_id = p.message_id;
  if (message_id.empty()) {
    assigned_id =
        options.message_id_seed ? UuidFromSeed(*options.message_id_seed, options.index) : NewUuid();
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
  WriteEvent(f, p, message_id, options, &json);
  return std::nullopt;
}

}  // namespace opentrack::segment::internal
