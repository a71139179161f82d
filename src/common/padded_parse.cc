#include "common/padded_parse.h"

#include <cstring>

namespace opentrack {

simdjson::simdjson_result<simdjson::dom::element> ParsePadded(simdjson::dom::parser& parser,
                                                              std::string_view json,
                                                              size_t readable_after_end,
                                                              std::string* scratch) {
  const char* text = json.data();
  if (readable_after_end < simdjson::SIMDJSON_PADDING) {
    if (scratch->size() < json.size() + simdjson::SIMDJSON_PADDING) {
      scratch->resize(json.size() + simdjson::SIMDJSON_PADDING);
    }
    if (!json.empty()) std::memcpy(scratch->data(), json.data(), json.size());
    text = scratch->data();
  }
  return parser.parse(text, json.size(), /*realloc_if_needed=*/false);
}

}  // namespace opentrack
