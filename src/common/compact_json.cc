#include "common/compact_json.h"

#include <string_view>

namespace opentrack {
namespace {

void WriteDouble(double v, JsonWriter& w, DoubleText doubles) {
  const size_t start = w.position();
  w.Double(v);
  if (doubles != DoubleText::kKeepsDouble) return;
  // to_chars writes integral values without a point or an exponent.
  const std::string_view text = w.Written().substr(start);
  if (text.find_first_of(".e") == std::string_view::npos) w.Raw(".0");
}

}  // namespace

void WriteCompactJson(const simdjson::dom::element& value, JsonWriter& w, DoubleText doubles) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::ARRAY: {
      w.Char('[');
      const simdjson::dom::array array = value.get_array().value_unsafe();
      for (const simdjson::dom::element child : array) {
        WriteCompactJson(child, w, doubles);
        w.Char(',');
      }
      if (array.begin() != array.end()) w.Unwrite();  // the last ','
      w.Char(']');
      break;
    }
    case element_type::OBJECT: {
      w.Char('{');
      const simdjson::dom::object object = value.get_object().value_unsafe();
      for (auto it = object.begin(), end = object.end(); it != end; ++it) {
        w.String(it.key());
        w.Char(':');
        WriteCompactJson(it.value(), w, doubles);
        w.Char(',');
      }
      if (object.begin() != object.end()) w.Unwrite();
      w.Char('}');
      break;
    }
    case element_type::STRING:
      w.String(value.get_string().value_unsafe());
      break;
    case element_type::INT64:
      w.Int(value.get_int64().value_unsafe());
      break;
    case element_type::UINT64:
      w.Uint(value.get_uint64().value_unsafe());
      break;
    case element_type::DOUBLE:
      WriteDouble(value.get_double().value_unsafe(), w, doubles);
      break;
    case element_type::BOOL:
      w.Raw(value.get_bool().value_unsafe() ? "true" : "false");
      break;
    case element_type::NULL_VALUE:
      w.Raw("null");
      break;
  }
}

}  // namespace opentrack
