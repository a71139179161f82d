#include "segment/request_parser.h"

#include <algorithm>
#include <array>
#include <span>
#include <utility>

#include "absl/status/status.h"
#include "common/padded_parse.h"
#include "common/time_format.h"
#include "segment/element_text.h"
#include "segment/event_normalizer.h"
#include "segment/request_errors.h"
#include "segment/source_spans.h"
#include "simdjson.h"

namespace opentrack::segment {
namespace {

constexpr std::array<std::string_view, 6> kTypeNames = {"track",  "identify", "page",
                                                        "screen", "group",    "alias"};

// One parser per thread: they are costly to create and keep their buffers
// (`padded` too: see ParsePadded).
struct ThreadParser {
  simdjson::dom::parser parser;
  std::string padded;
  std::vector<internal::ValueText> member_texts;  // reused for each event
};

ThreadParser& GetThreadParser() {
  thread_local ThreadParser state;
  return state;
}

simdjson::simdjson_result<simdjson::dom::element> ParseJson(std::string_view body,
                                                            size_t readable_after_end,
                                                            size_t max_depth, ThreadParser& state) {
  if (state.parser.max_depth() != max_depth) {
    const size_t capacity = std::max<size_t>(state.parser.capacity(), 1);
    if (const auto error = state.parser.allocate(capacity, max_depth)) return error;
  }
  return ParsePadded(state.parser, body, readable_after_end, &state.padded);
}

// Moves `cursor` (at the body's '{') to the inside of the `batch` array that
// at_key("batch") finds: the first member so named. False if it cannot.
bool SeekBatchArray(simdjson::dom::object body, internal::SourceCursor* cursor) {
  if (!cursor->Enter()) return false;
  for (const simdjson::dom::key_value_pair field : body) {
    if (!cursor->NextMember()) return false;
    if (field.key == "batch") return cursor->Enter();
    cursor->SkipValue();
  }
  return false;
}

// Reads the next batch item's member texts into `texts` and its text as sent
// into *item_text, or skips the item (not an object); both empty once the
// cursor has failed.
std::span<const internal::ValueText> NextItemTexts(internal::SourceCursor* cursor, bool is_object,
                                                   std::vector<internal::ValueText>* texts,
                                                   std::string_view* item_text) {
  texts->clear();
  *item_text = {};
  if (!cursor->NextElement()) return {};
  if (!is_object) {
    cursor->SkipValue();
    return {};
  }
  if (!internal::CollectMemberTexts(cursor, texts, item_text)) return {};
  return *texts;
}

std::string StringOr(simdjson::dom::object object, std::string_view key) {
  std::string_view value;
  if (object.at_key(key).get_string().get(value) != simdjson::SUCCESS) return "";
  return std::string(value);
}

absl::StatusOr<internal::BatchDefaults> ReadBatchDefaults(simdjson::dom::object body) {
  internal::BatchDefaults defaults;
  for (const simdjson::dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    if (field.key == "context" || field.key == "integrations") {
      simdjson::dom::object value;
      if (field.value.get_object().get(value) != simdjson::SUCCESS) {
        return internal::BatchFieldNotAnObject(field.key, internal::KindOf(field.value));
      }
      (field.key == "context" ? defaults.context : defaults.integrations) = value;
    } else if (field.key == "sentAt") {
      std::string_view text;
      if (field.value.get_string().get(text) != simdjson::SUCCESS ||
          !(defaults.sent_at = ParseTimestamp(text))) {
        return internal::BadBatchSentAt();
      }
    }
  }
  return defaults;
}

void AddOutcome(size_t index, std::optional<internal::Rejection> rejection, AcceptedEvent* event,
                ParsedRequest* request) {
  if (rejection) {
    request->rejected.push_back(
        RejectedEvent{index, std::move(rejection->code), std::move(rejection->message)});
  } else {
    request->accepted.push_back(std::move(*event));
  }
}

absl::StatusOr<ParsedRequest> ParseBatch(simdjson::dom::object body, internal::SourceCursor* cursor,
                                         std::vector<internal::ValueText>* texts,
                                         const RequestContext& context, const Limits& limits) {
  simdjson::dom::array items;
  if (body.at_key("batch").get_array().get(items) != simdjson::SUCCESS) {
    return internal::NoBatchArray();
  }
  absl::StatusOr<internal::BatchDefaults> defaults = ReadBatchDefaults(body);
  if (!defaults.ok()) return defaults.status();

  ParsedRequest request;
  request.write_key = StringOr(body, "writeKey");
  request.accepted.reserve(std::min(items.size(), limits.max_batch_events));
  internal::NormalizeOptions options;
  options.batch = &*defaults;
  options.received_at = context.received_at;
  const std::string received_at_text = FormatTimestampMicros(context.received_at);
  options.received_at_text = received_at_text;
  options.client_ip = context.client_ip;
  options.message_id_seed = context.message_id_seed;
  // The source texts come from the walk a successful parse guarantees; a
  // failed cursor (an inconsistency) leaves the items without texts: they are
  // then written from the DOM and their size goes unchecked.
  const bool have_texts = SeekBatchArray(body, cursor);
  size_t index = 0;
  std::string_view item_text;
  for (const simdjson::dom::element item : items) {
    const size_t i = index++;
    simdjson::dom::object event;
    const bool is_object = item.get_object().get(event) == simdjson::SUCCESS;
    const std::span<const internal::ValueText> member_texts =
        have_texts
            ? NextItemTexts(cursor, is_object && i < limits.max_batch_events, texts, &item_text)
            : std::span<const internal::ValueText>();
    if (i >= limits.max_batch_events) {
      request.rejected.push_back(internal::PastBatchLimit(i, limits.max_batch_events));
      continue;
    }
    if (!is_object) {
      request.rejected.push_back(internal::ItemNotAnObject(i, internal::KindOf(item)));
      continue;
    }
    if (request.write_key.empty()) request.write_key = StringOr(event, "writeKey");
    // Segment's 32 KB per event, applied to the item as sent.
    if (item_text.size() > limits.max_event_bytes) {
      request.rejected.push_back(
          internal::EventTooLarge(i, item_text.size(), limits.max_event_bytes));
      continue;
    }
    AcceptedEvent accepted;
    options.index = i;
    AddOutcome(i, internal::NormalizeEvent(event, member_texts, options, &accepted), &accepted,
               &request);
  }
  return request;
}

}  // namespace

std::string_view EventTypeName(EventType type) { return kTypeNames[static_cast<size_t>(type)]; }

std::optional<EventType> EventTypeFromName(std::string_view name) {
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

std::optional<Endpoint> EndpointFromPath(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  constexpr std::string_view kPrefix = "/v1/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const std::string_view name = path.substr(kPrefix.size());
  struct Route {
    std::string_view name;
    Endpoint endpoint;
  };
  static constexpr Route kRoutes[] = {
      {"track", Endpoint::kTrack},       {"t", Endpoint::kTrack},
      {"identify", Endpoint::kIdentify}, {"i", Endpoint::kIdentify},
      {"page", Endpoint::kPage},         {"p", Endpoint::kPage},
      {"screen", Endpoint::kScreen},     {"s", Endpoint::kScreen},
      {"group", Endpoint::kGroup},       {"g", Endpoint::kGroup},
      {"alias", Endpoint::kAlias},       {"a", Endpoint::kAlias},
      {"batch", Endpoint::kBatch},       {"import", Endpoint::kBatch},
      {"b", Endpoint::kBatch},
  };
  for (const Route& route : kRoutes) {
    if (route.name == name) return route.endpoint;
  }
  return std::nullopt;
}

absl::StatusOr<ParsedRequest> ParseRequest(std::string_view body, Endpoint endpoint,
                                           const RequestContext& context, const Limits& limits) {
  if (absl::Status size = internal::CheckBodySize(body.size(), endpoint, limits); !size.ok()) {
    return size;
  }
  ThreadParser& state = GetThreadParser();
  simdjson::dom::element root;
  if (const auto error =
          ParseJson(body, context.body_readable_after_end, limits.max_depth, state).get(root)) {
    return internal::InvalidJson(error, limits.max_depth);
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return internal::BodyNotAnObject(internal::KindOf(root));
  }
  internal::SourceCursor cursor(state.parser, body);
  if (endpoint == Endpoint::kBatch) {
    return ParseBatch(object, &cursor, &state.member_texts, context, limits);
  }

  ParsedRequest request;
  request.write_key = StringOr(object, "writeKey");
  internal::NormalizeOptions options;
  options.endpoint_type = static_cast<EventType>(static_cast<int>(endpoint));
  options.received_at = context.received_at;
  const std::string received_at_text = FormatTimestampMicros(context.received_at);
  options.received_at_text = received_at_text;
  options.client_ip = context.client_ip;
  options.message_id_seed = context.message_id_seed;
  state.member_texts.clear();
  std::span<const internal::ValueText> member_texts;
  if (internal::CollectMemberTexts(&cursor, &state.member_texts)) member_texts = state.member_texts;
  AcceptedEvent accepted;
  AddOutcome(0, internal::NormalizeEvent(object, member_texts, options, &accepted), &accepted,
             &request);
  return request;
}

}  // namespace opentrack::segment
