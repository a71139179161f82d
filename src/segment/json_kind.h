// The JSON kinds Segment's rules and messages distinguish, apart from any
// parser: the DOM path and the validator's walk over the source text both
// name values with them.
#ifndef OPENTRACK_SEGMENT_JSON_KIND_H_
#define OPENTRACK_SEGMENT_JSON_KIND_H_

#include <string_view>

namespace opentrack::segment::internal {

enum class JsonKind { kNull, kString, kNumber, kBoolean, kObject, kArray };

// "null", "string", "number", "boolean", "object" or "array", for messages.
constexpr std::string_view JsonKindName(JsonKind kind) {
  switch (kind) {
    case JsonKind::kNull:
      return "null";
    case JsonKind::kString:
      return "string";
    case JsonKind::kNumber:
      return "number";
    case JsonKind::kBoolean:
      return "boolean";
    case JsonKind::kObject:
      return "object";
    case JsonKind::kArray:
      return "array";
  }
  return "value";
}

}  // namespace opentrack::segment::internal

#endif  // OPENTRACK_SEGMENT_JSON_KIND_H_
