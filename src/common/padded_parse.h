// simdjson reads up to SIMDJSON_PADDING bytes past the end of its input. Text
// whose buffer has that room is parsed where it is; other text is copied.
#ifndef OPENTRACK_COMMON_PADDED_PARSE_H_
#define OPENTRACK_COMMON_PADDED_PARSE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "simdjson.h"

namespace opentrack {

// Parses `json`, in place when `readable_after_end` bytes past its end may be
// read, else from a copy in `scratch` (which only ever grows, so it stays
// allocated across calls). The result points into `parser`.
simdjson::simdjson_result<simdjson::dom::element> ParsePadded(simdjson::dom::parser& parser,
                                                              std::string_view json,
                                                              size_t readable_after_end,
                                                              std::string* scratch);

}  // namespace opentrack

#endif  // OPENTRACK_COMMON_PADDED_PARSE_H_
