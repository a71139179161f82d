#include "segment/element_text.h"

#include <charconv>

#include "common/compact_json.h"

namespace opentrack::segment::internal {

void AppendElement(std::string* out, simdjson::dom::element value) {
  // Written into a warm per-thread buffer, then appended: growing `out` for
  // each of the many small values would zero-fill more than it writes.
  thread_local std::string scratch;
  JsonWriter w(&scratch, JsonWriter::Scratch{});
  // Doubles keep their point ("1.0"), so the warehouse still types them FLOAT.
  WriteCompactJson(value, w, DoubleText::kKeepsDouble);
  out->append(w.Written());
}

std::optional<std::string_view> IdText(simdjson::dom::element value, NumberText* scratch) {
  char* const begin = scratch->data;
  char* const end = scratch->data + sizeof(scratch->data);
  std::to_chars_result result{};
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string_view(value.get_string().value_unsafe());
    case simdjson::dom::element_type::INT64:
      result = std::to_chars(begin, end, value.get_int64().value_unsafe());
      break;
    case simdjson::dom::element_type::UINT64:
      result = std::to_chars(begin, end, value.get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE:
      result = std::to_chars(begin, end, value.get_double().value_unsafe());
      break;
    default:
      return std::nullopt;
  }
  return std::string_view(begin, static_cast<size_t>(result.ptr - begin));
}

JsonKind KindOf(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      return JsonKind::kString;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return JsonKind::kNumber;
    case simdjson::dom::element_type::BOOL:
      return JsonKind::kBoolean;
    case simdjson::dom::element_type::OBJECT:
      return JsonKind::kObject;
    case simdjson::dom::element_type::ARRAY:
      return JsonKind::kArray;
    case simdjson::dom::element_type::NULL_VALUE:
      return JsonKind::kNull;
  }
  return JsonKind::kNull;
}

std::string QuoteForMessage(std::string_view s, size_t max_bytes) {
  std::string out = "\"";
  if (s.size() <= max_bytes) {
    out.append(s);
    out.push_back('"');
    return out;
  }
  size_t cut = max_bytes;
  // Back off UTF-8 continuation bytes so the message stays valid UTF-8.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  out.append(s.substr(0, cut));
  out.append("\"...");
  return out;
}

}  // namespace opentrack::segment::internal
