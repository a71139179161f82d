// Writes the normalized event's objects: copied from the request text when
// it is known, merged with batch-level objects and the client address.
#ifndef OPENTRACK_SEGMENT_OBJECT_MERGE_H_
#define OPENTRACK_SEGMENT_OBJECT_MERGE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "segment/source_spans.h"
#include "simdjson.h"

namespace opentrack::segment::internal {

// Appends `value`, an object, minified: its source text when `text` is set
// (and lines up), else written again from the DOM.
void AppendObject(std::string* out, simdjson::dom::element value, const ValueText* text);

// Appends `own` (an object, or absent; `own_text` its source text or null)
// with the keys of `batch` it lacks and, when `client_ip` is set and no
// non-null "ip" is present, "ip":client_ip. `own`'s keys come first and win;
// a null "ip" in it counts as absent. Returns how many bytes came from
// `batch` or `client_ip`.
size_t AppendMergedObject(std::string* out, const std::optional<simdjson::dom::element>& own_value,
                          const ValueText* own_text,
                          const std::optional<simdjson::dom::object>& batch,
                          std::string_view client_ip);

}  // namespace opentrack::segment::internal

#endif  // OPENTRACK_SEGMENT_OBJECT_MERGE_H_
