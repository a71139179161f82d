// Compact JSON text of a parsed value: how arrays are stored in STRING columns.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_JSON_COMPACT_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_JSON_COMPACT_H_

#include <string>

#include "common/json_writer.h"
#include "simdjson.h"

namespace opentrack::warehouse_schema {

// Appends `value` without whitespace. Strings are re-escaped minimally and
// numbers written in shortest round-trip form, so "1.50" comes back as 1.5.
void AppendCompactJson(const simdjson::dom::element& value, std::string* out);

// Writes the compact JSON of `value` as a JSON string, in one pass: what
// `w.String(compact)` writes, when every string inside `value` is plain
// ASCII with nothing to escape. False for any other value, with `w` left
// part-written: the caller rewinds it.
bool WriteCompactJsonAsString(const simdjson::dom::element& value, JsonWriter& w);

}  // namespace opentrack::warehouse_schema

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_JSON_COMPACT_H_
