// Writes values of a parsed simdjson document back out as JSON text, and
// reads the loosely typed id fields (userId, messageId, ...) Segment accepts.
#ifndef OPENTRACK_SEGMENT_ELEMENT_TEXT_H_
#define OPENTRACK_SEGMENT_ELEMENT_TEXT_H_

#include <optional>
#include <string>
#include <string_view>

#include "segment/json_kind.h"
#include "simdjson.h"

namespace opentrack::segment::internal {

// Appends `value` as minified JSON. Values come from simdjson's tape, never
// from re-parsing text: integers (int64 and uint64) are written exactly,
// doubles in their shortest round-trip form with a point or an exponent.
void AppendElement(std::string* out, simdjson::dom::element value);

// Scratch space for the text of a numeric id.
struct NumberText {
  char data[32];
};

// The text an id field stands for: a string as is, an integer in decimal, a
// double in its shortest round-trip form. nullopt for booleans, objects,
// arrays and null. The view points into the document or into `scratch`.
std::optional<std::string_view> IdText(simdjson::dom::element value, NumberText* scratch);

// The value's kind; JsonKindName names it in messages.
JsonKind KindOf(simdjson::dom::element value);

// `s` cut to at most `max_bytes` (on a UTF-8 boundary) and quoted, for messages.
std::string QuoteForMessage(std::string_view s, size_t max_bytes = 64);

}  // namespace opentrack::segment::internal

#endif  // OPENTRACK_SEGMENT_ELEMENT_TEXT_H_
