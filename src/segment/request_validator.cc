#include "segment/request_validator.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/time_format.h"
#include "segment/event_checks.h"
#include "segment/json_grammar.h"
#include "segment/request_errors.h"
#include "segment/source_spans.h"
#include "simdjson.h"

namespace opentrack::segment {
namespace {

using internal::EventField;
using internal::FieldValue;
using internal::JsonKind;

// Deeper limits are left to ParseRequest (its DOM parser allocates per level).
constexpr size_t kMaxWalkDepth = size_t{1} << 20;
// A number's stand-in text for the rules (FieldValue::text): its spelling,
// cut to this.
constexpr size_t kMaxNumberText = 32;

// parse_string writes whole SIMD blocks past a string's end.
constexpr size_t kUnescapeSlack = 2 * simdjson::SIMDJSON_PADDING;

// One per thread: the parser's buffers (and the others) are reused.
struct ValidatorState {
  simdjson::dom::parser parser;  // its stage 1 and its unescaper only
  std::string padded;            // the body, copied when it has no padding
  internal::JsonGrammar grammar;
  std::string strings;  // unescaped strings of the item being read
  size_t strings_used = 0;
};

ValidatorState& GetState() {
  thread_local ValidatorState state;
  return state;
}

// Reads values of a document whose grammar checked, by structural position.
class DocumentReader {
 public:
  DocumentReader(const internal::StructuralDocument& doc, ValidatorState* state)
      : doc_(doc), state_(state) {}

  char At(size_t pos) const { return doc_.text[doc_.index[pos]]; }

  JsonKind KindAt(size_t pos) const {
    switch (At(pos)) {
      case '{':
        return JsonKind::kObject;
      case '[':
        return JsonKind::kArray;
      case '"':
        return JsonKind::kString;
      case 't':
      case 'f':
        return JsonKind::kBoolean;
      case 'n':
        return JsonKind::kNull;
      default:
        return JsonKind::kNumber;
    }
  }

  // The structural after the value at `pos`.
  size_t After(size_t pos) const {
    const char c = At(pos);
    return c == '{' || c == '[' ? state_->grammar.CloseOf(pos) + 1 : pos + 1;
  }

  // The size of the array or object at `pos` as sent.
  size_t ContainerBytes(size_t pos) const {
    return doc_.index[state_->grammar.CloseOf(pos)] + 1 - doc_.index[pos];
  }

  // The unescaped content of the string at `pos`. Views into the scratch
  // stay valid until ResetStrings.
  std::string_view StringAt(size_t pos) {
    const size_t begin = doc_.index[pos] + 1;
    size_t end = TokenEnd(pos) - 1;  // the closing quote
    const std::string_view raw(doc_.text + begin, end - begin);
    if (!doc_.has_backslash || raw.find('\\') == std::string_view::npos) return raw;
    if (state_->strings.size() - state_->strings_used < raw.size() + kUnescapeSlack) return raw;
    char* const dst = state_->strings.data() + state_->strings_used;
    const uint8_t* written = doc_.strings->parse_string(
        reinterpret_cast<const uint8_t*>(doc_.text + begin), reinterpret_cast<uint8_t*>(dst));
    if (written == nullptr) return raw;  // ruled out by JsonGrammar::Check
    const size_t size = static_cast<size_t>(reinterpret_cast<const char*>(written) - dst);
    state_->strings_used += size;
    return std::string_view(dst, size);
  }

  std::string_view NumberAt(size_t pos) const {
    const size_t begin = doc_.index[pos];
    return std::string_view(doc_.text + begin, std::min(TokenEnd(pos) - begin, kMaxNumberText));
  }

  // Room for every string of the document unescaped twice (no string is
  // read more often), and parse_string's block writes past the last one.
  void ResetStrings() {
    const size_t room = 2 * doc_.size + kUnescapeSlack;
    if (state_->strings.size() < room) state_->strings.resize(room);
    state_->strings_used = 0;
  }

  // f(key position, value position) for each member of the object at `pos`.
  template <typename F>
  void ForEachMember(size_t pos, F f) {
    size_t p = pos + 1;
    if (At(p) == '}') return;
    while (true) {
      f(p, p + 2);
      p = After(p + 2);
      if (At(p) == '}') return;
      ++p;  // ','
    }
  }

  // f(value position) for each element of the array at `pos`.
  template <typename F>
  void ForEachElement(size_t pos, F f) {
    size_t p = pos + 1;
    if (At(p) == ']') return;
    while (true) {
      f(p);
      p = After(p);
      if (At(p) == ']') return;
      ++p;  // ','
    }
  }

 private:
  size_t TokenEnd(size_t pos) const {
    return internal::StructuralTokenEnd(std::string_view(doc_.text, doc_.size), doc_.index,
                                        doc_.count, pos);
  }

  const internal::StructuralDocument& doc_;
  ValidatorState* state_;
};

// An event's fields as the rules read them (event_checks.h), and where its
// first `writeKey` is.
struct ItemFields {
  internal::EventFields fields;
  std::optional<size_t> write_key;
};

// As CollectFields in event_normalizer.cc: null counts as absent and the
// first other occurrence of a key wins; keys compare unescaped.
void CollectFields(DocumentReader& reader, size_t pos, ItemFields* out) {
  reader.ForEachMember(pos, [&](size_t key_pos, size_t value_pos) {
    const std::string_view key = reader.StringAt(key_pos);
    if (!out->write_key && key == "writeKey") out->write_key = value_pos;
    const std::optional<EventField> field = internal::EventFieldFromKey(key);
    if (!field) return;
    FieldValue& value = out->fields[*field];
    if (value.present()) return;
    value.kind = reader.KindAt(value_pos);
    if (value.kind == JsonKind::kString) {
      value.text = reader.StringAt(value_pos);
    } else if (value.kind == JsonKind::kNumber) {
      value.text = reader.NumberAt(value_pos);
    }
  });
}

// As ParseRequest's StringOr: the value if it is a string, else "".
std::string StringAt(DocumentReader& reader, std::optional<size_t> pos) {
  if (!pos || reader.KindAt(*pos) != JsonKind::kString) return "";
  return std::string(reader.StringAt(*pos));
}

void AddOutcome(size_t index, std::optional<internal::Rejection> rejection,
                ValidatedRequest* request) {
  if (rejection) {
    request->rejected.push_back(
        RejectedEvent{index, std::move(rejection->code), std::move(rejection->message)});
  } else {
    ++request->accepted;
  }
}

// The batch body's own members, read as ParseBatch and ReadBatchDefaults
// read them.
struct BatchLevel {
  std::optional<size_t> batch;      // the first `batch`
  std::optional<size_t> write_key;  // the first `writeKey`
  std::optional<absl::Time> sent_at;
  absl::Status defaults;  // the first malformed context, integrations or sentAt
};

BatchLevel ReadBatchLevel(DocumentReader& reader) {
  BatchLevel level;
  reader.ResetStrings();
  reader.ForEachMember(0, [&](size_t key_pos, size_t value_pos) {
    const std::string_view key = reader.StringAt(key_pos);
    if (key == "batch" && !level.batch) level.batch = value_pos;
    if (key == "writeKey" && !level.write_key) level.write_key = value_pos;
    const JsonKind kind = reader.KindAt(value_pos);
    if (kind == JsonKind::kNull || !level.defaults.ok()) return;
    if (key == "context" || key == "integrations") {
      if (kind != JsonKind::kObject) level.defaults = internal::BatchFieldNotAnObject(key, kind);
    } else if (key == "sentAt") {
      if (kind != JsonKind::kString ||
          !(level.sent_at = ParseTimestamp(reader.StringAt(value_pos)))) {
        level.defaults = internal::BadBatchSentAt();
      }
    }
  });
  return level;
}

absl::StatusOr<ValidatedRequest> ValidateBatch(DocumentReader& reader,
                                               const RequestContext& context,
                                               const Limits& limits) {
  BatchLevel level = ReadBatchLevel(reader);
  if (!level.batch || reader.KindAt(*level.batch) != JsonKind::kArray) {
    return internal::NoBatchArray();
  }
  if (!level.defaults.ok()) return level.defaults;
  ValidatedRequest request;
  request.write_key = StringAt(reader, level.write_key);
  internal::EventCheckOptions options;
  options.batch_sent_at = level.sent_at;
  options.received_at = context.received_at;
  size_t index = 0;
  reader.ForEachElement(*level.batch, [&](size_t pos) {
    const size_t i = index++;
    if (i >= limits.max_batch_events) {
      request.rejected.push_back(internal::PastBatchLimit(i, limits.max_batch_events));
      return;
    }
    if (const JsonKind kind = reader.KindAt(pos); kind != JsonKind::kObject) {
      request.rejected.push_back(internal::ItemNotAnObject(i, kind));
      return;
    }
    reader.ResetStrings();
    ItemFields item;
    CollectFields(reader, pos, &item);
    if (request.write_key.empty()) request.write_key = StringAt(reader, item.write_key);
    if (const size_t bytes = reader.ContainerBytes(pos); bytes > limits.max_event_bytes) {
      request.rejected.push_back(internal::EventTooLarge(i, bytes, limits.max_event_bytes));
      return;
    }
    internal::CheckedEvent checked;
    AddOutcome(i, internal::CheckEvent(item.fields, options, &checked), &request);
  });
  return request;
}

ValidatedRequest ValidateSingle(DocumentReader& reader, Endpoint endpoint,
                                const RequestContext& context) {
  reader.ResetStrings();
  ItemFields item;
  CollectFields(reader, 0, &item);
  ValidatedRequest request;
  request.write_key = StringAt(reader, item.write_key);
  internal::EventCheckOptions options;
  options.endpoint_type = static_cast<EventType>(static_cast<int>(endpoint));
  options.received_at = context.received_at;
  internal::CheckedEvent checked;
  AddOutcome(0, internal::CheckEvent(item.fields, options, &checked), &request);
  return request;
}

// Runs stage 1 on the body (in place when it has padding) and describes it.
bool IndexBody(std::string_view body, size_t readable_after_end, ValidatorState& state,
               internal::StructuralDocument* doc) {
  simdjson::dom::parser& parser = state.parser;
  if (parser.capacity() < body.size() &&
      parser.allocate(body.size(), parser.max_depth()) != simdjson::SUCCESS) {
    return false;
  }
  const char* text = body.data();
  if (readable_after_end < simdjson::SIMDJSON_PADDING) {
    if (state.padded.size() < body.size() + simdjson::SIMDJSON_PADDING) {
      state.padded.resize(body.size() + simdjson::SIMDJSON_PADDING);
    }
    std::memcpy(state.padded.data(), body.data(), body.size());
    text = state.padded.data();
  }
  auto& impl = *parser.implementation;
  if (impl.stage1(reinterpret_cast<const uint8_t*>(text), body.size(),
                  simdjson::stage1_mode::regular) != simdjson::SUCCESS) {
    return false;
  }
  *doc = internal::StructuralDocument{
      text,
      body.size(),
      impl.structural_indexes.get(),
      impl.n_structural_indexes,
      std::memchr(text, '\\', body.size()) != nullptr,
      &impl,
  };
  return true;
}

}  // namespace

namespace internal {

std::optional<absl::StatusOr<ValidatedRequest>> ValidateWithStructuralIndex(
    std::string_view body, Endpoint endpoint, const RequestContext& context, const Limits& limits) {
  if (absl::Status size = CheckBodySize(body.size(), endpoint, limits); !size.ok()) return size;
  if (body.empty() || limits.max_depth == 0 || limits.max_depth > kMaxWalkDepth) {
    return std::nullopt;
  }
  ValidatorState& state = GetState();
  StructuralDocument doc;
  if (!IndexBody(body, context.body_readable_after_end, state, &doc)) return std::nullopt;
  if (!state.grammar.Check(doc, limits.max_depth)) return std::nullopt;
  DocumentReader reader(doc, &state);
  if (const JsonKind root = reader.KindAt(0); root != JsonKind::kObject) {
    return BodyNotAnObject(root);
  }
  if (endpoint == Endpoint::kBatch) return ValidateBatch(reader, context, limits);
  return ValidateSingle(reader, endpoint, context);
}

}  // namespace internal

absl::StatusOr<ValidatedRequest> ValidateRequest(std::string_view body, Endpoint endpoint,
                                                 const RequestContext& context,
                                                 const Limits& limits) {
  if (std::optional<absl::StatusOr<ValidatedRequest>> validated =
          internal::ValidateWithStructuralIndex(body, endpoint, context, limits)) {
    return *std::move(validated);
  }
  // Invalid JSON (rare): ParseRequest names the exact error.
  absl::StatusOr<ParsedRequest> parsed = ParseRequest(body, endpoint, context, limits);
  if (!parsed.ok()) return parsed.status();
  ValidatedRequest validated;
  validated.write_key = std::move(parsed->write_key);
  validated.accepted = parsed->accepted.size();
  validated.rejected = std::move(parsed->rejected);
  return validated;
}

}  // namespace opentrack::segment
