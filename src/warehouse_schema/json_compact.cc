#include "warehouse_schema/json_compact.h"

#include <charconv>

#include "common/json_text.h"
#include "warehouse_schema/internal/fast_text.h"

namespace opentrack::warehouse_schema {

void AppendCompactJson(const simdjson::dom::element& value, std::string* out) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      const simdjson::dom::array array = value.get_array().value_unsafe();
      for (const simdjson::dom::element child : array) {
        if (!first) out->push_back(',');
        first = false;
        AppendCompactJson(child, out);
      }
      out->push_back(']');
      break;
    }
    case element_type::OBJECT: {
      out->push_back('{');
      bool first = true;
      const simdjson::dom::object object = value.get_object().value_unsafe();
      for (const simdjson::dom::key_value_pair field : object) {
        if (!first) out->push_back(',');
        first = false;
        internal::AppendJsonStringFast(out, field.key);
        out->push_back(':');
        AppendCompactJson(field.value, out);
      }
      out->push_back('}');
      break;
    }
    case element_type::STRING:
      internal::AppendJsonStringFast(out, value.get_string().value_unsafe());
      break;
    case element_type::INT64:
      AppendJsonInt(out, value.get_int64().value_unsafe());
      break;
    case element_type::UINT64: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof(buf), value.get_uint64().value_unsafe());
      out->append(buf, r.ptr);
      break;
    }
    case element_type::DOUBLE:
      AppendJsonDouble(out, value.get_double().value_unsafe());
      break;
    case element_type::BOOL:
      out->append(value.get_bool().value_unsafe() ? "true" : "false");
      break;
    case element_type::NULL_VALUE:
      out->append("null");
      break;
  }
}

}  // namespace opentrack::warehouse_schema
