// Helpers for writing JSON text by hand on hot paths, where building a DOM
// first would cost an allocation per value.
#ifndef OPENTRACK_COMMON_JSON_TEXT_H_
#define OPENTRACK_COMMON_JSON_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace opentrack {

// Appends `s` as a quoted JSON string. Control characters are escaped; invalid
// UTF-8 bytes are replaced with U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string* out, std::string_view s);

// Appends a JSON number for a finite double using the shortest text that
// round-trips; non-finite values are written as the strings "NaN",
// "Infinity" and "-Infinity" (the form BigQuery accepts).
void AppendJsonDouble(std::string* out, double v);

void AppendJsonInt(std::string* out, int64_t v);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);

}  // namespace opentrack

#endif  // OPENTRACK_COMMON_JSON_TEXT_H_
