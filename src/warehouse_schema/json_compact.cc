#include "warehouse_schema/json_compact.h"

#include <cstring>

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

bool IsPlain(std::string_view s) {
  size_t i = 0;
  for (; i + internal::kSpecialBlock <= s.size(); i += internal::kSpecialBlock) {
    if (internal::SpecialJsonMask16(s.data() + i) != 0) return false;
  }
  if (i + 8 <= s.size()) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (!internal::PlainJsonWord(word)) return false;
    i += 8;
  }
  for (; i < s.size(); ++i) {
    if (!internal::PlainJsonByte(s[i])) return false;
  }
  return true;
}

// A string inside the compact text: its quotes become \" in the outer string.
bool WriteQuotedPlain(std::string_view s, internal::JsonWriter& w) {
  if (!IsPlain(s)) return false;
  w.Raw("\\\"");
  w.Raw(s);
  w.Raw("\\\"");
  return true;
}

bool WriteEscaped(const simdjson::dom::element& value, internal::JsonWriter& w) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::ARRAY: {
      w.Char('[');
      const simdjson::dom::array array = value.get_array().value_unsafe();
      for (const simdjson::dom::element child : array) {
        if (!WriteEscaped(child, w)) return false;
        w.Char(',');
      }
      if (array.begin() != array.end()) w.Unwrite();
      w.Char(']');
      return true;
    }
    case element_type::OBJECT: {
      w.Char('{');
      const simdjson::dom::object object = value.get_object().value_unsafe();
      for (const simdjson::dom::key_value_pair field : object) {
        if (!WriteQuotedPlain(field.key, w)) return false;
        w.Char(':');
        if (!WriteEscaped(field.value, w)) return false;
        w.Char(',');
      }
      if (object.begin() != object.end()) w.Unwrite();
      w.Char('}');
      return true;
    }
    case element_type::STRING:
      return WriteQuotedPlain(value.get_string().value_unsafe(), w);
    default:  // numbers and literals: no character to escape
      Write(value, w);
      return true;
  }
}

}  // namespace

bool WriteCompactJsonAsString(const simdjson::dom::element& value, internal::JsonWriter& w) {
  w.Char('"');
  if (!WriteEscaped(value, w)) return false;
  w.Char('"');
  return true;
}

void AppendCompactJson(const simdjson::dom::element& value, std::string* out) {
  internal::JsonWriter w(out);
  Write(value, w);
}

}  // namespace opentrack::warehouse_schema
