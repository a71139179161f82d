// Compact JSON text of a parsed simdjson value, written with JsonWriter.
#ifndef OPENTRACK_COMMON_COMPACT_JSON_H_
#define OPENTRACK_COMMON_COMPACT_JSON_H_

#include "common/json_writer.h"
#include "simdjson.h"

namespace opentrack {

// How a double with an integral value is written.
enum class DoubleText {
  kShortest,     // std::to_chars: 1.0 -> "1", as arrays are stored in STRING columns
  kKeepsDouble,  // 1.0 -> "1.0": parsed again, it is still a double, not an integer
};

// Writes `value` without whitespace. Strings are re-escaped minimally
// (JsonWriter::String); integers exactly; doubles in their shortest
// round-trip form.
void WriteCompactJson(const simdjson::dom::element& value, JsonWriter& w, DoubleText doubles);

}  // namespace opentrack

#endif  // OPENTRACK_COMMON_COMPACT_JSON_H_
