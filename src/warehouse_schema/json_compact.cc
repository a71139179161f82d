#include "warehouse_schema/json_compact.h"

#include "warehouse_schema/internal/json_writer.h"

namespace opentrack::warehouse_schema {
namespace {

void Write(const simdjson::dom::element& value, internal::JsonWriter& w) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::ARRAY: {
      w.Char('[');
      const simdjson::dom::array array = value.get_array().value_unsafe();
      for (const simdjson::dom::element child : array) {
        Write(child, w);
        w.Char(',');
      }
      if (array.begin() != array.end()) w.Unwrite();  // the last ','
      w.Char(']');
      break;
    }
    case element_type::OBJECT: {
      w.Char('{');
      const simdjson::dom::object object = value.get_object().value_unsafe();
      for (const simdjson::dom::key_value_pair field : object) {
        w.String(field.key);
        w.Char(':');
        Write(field.value, w);
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
      w.Double(value.get_double().value_unsafe());
      break;
    case element_type::BOOL:
      w.Raw(value.get_bool().value_unsafe() ? "true" : "false");
      break;
    case element_type::NULL_VALUE:
      w.Raw("null");
      break;
  }
}

}  // namespace

void AppendCompactJson(const simdjson::dom::element& value, std::string* out) {
  internal::JsonWriter w(out);
  Write(value, w);
}

}  // namespace opentrack::warehouse_schema
