#include "warehouse_schema/json_compact.h"

#include <cstring>

#include "common/compact_json.h"
#include "common/json_writer.h"

namespace opentrack::warehouse_schema {
namespace {

// A string inside the compact text: its quotes become \" in the outer string.
// `s` is a DOM string or key: padded, see JsonWriter::PaddedString. Copied
// and checked in one pass, 16 bytes at a time; false (nothing kept) when a
// byte needs escaping.
bool WriteQuotedPlain(std::string_view s, JsonWriter& w) {
  char* p = w.Reserve(s.size() + 4 + kSpecialBlock);
  *p++ = '\\', *p++ = '"';
  const char* in = s.data();
  for (size_t left = s.size();; left -= kSpecialBlock) {
    std::memcpy(p, in, kSpecialBlock);
    const uint32_t special = SpecialJsonMask16(in);
    if (left <= kSpecialBlock) {
      if ((special & ((1u << left) - 1)) != 0) return false;
      p += left;
      break;
    }
    if (special != 0) return false;
    p += kSpecialBlock, in += kSpecialBlock;
  }
  *p++ = '\\', *p++ = '"';
  w.Commit(p);
  return true;
}

bool WriteEscaped(const simdjson::dom::element& value, JsonWriter& w);

// A value inside an array or object, its type read once. Strings and
// numbers here rather than through WriteEscaped and WriteCompactJson: one
// switch per value, not three calls (arrays are ~5% of a mapped event).
inline bool WriteEscapedMember(const simdjson::dom::element& value, JsonWriter& w) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::STRING:
      return WriteQuotedPlain(value.get_string().value_unsafe(), w);
    case element_type::INT64:
      w.Int(value.get_int64().value_unsafe());
      return true;
    case element_type::DOUBLE:  // WriteCompactJson's DoubleText::kShortest
      w.Double(value.get_double().value_unsafe());
      return true;
    case element_type::BOOL:
      w.Raw(value.get_bool().value_unsafe() ? "true" : "false");
      return true;
    default:
      return WriteEscaped(value, w);
  }
}

bool WriteEscaped(const simdjson::dom::element& value, JsonWriter& w) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::ARRAY: {
      w.Char('[');
      const simdjson::dom::array array = value.get_array().value_unsafe();
      for (const simdjson::dom::element child : array) {
        if (!WriteEscapedMember(child, w)) return false;
        w.Char(',');
      }
      if (array.begin() != array.end()) w.Unwrite();
      w.Char(']');
      return true;
    }
    case element_type::OBJECT: {
      w.Char('{');
      const simdjson::dom::object object = value.get_object().value_unsafe();
      // The iterator's key() and value(), not key_value_pair copies.
      for (auto it = object.begin(), end = object.end(); it != end; ++it) {
        if (!WriteQuotedPlain(it.key(), w)) return false;
        w.Char(':');
        if (!WriteEscapedMember(it.value(), w)) return false;
        w.Char(',');
      }
      if (object.begin() != object.end()) w.Unwrite();
      w.Char('}');
      return true;
    }
    case element_type::STRING:
      return WriteQuotedPlain(value.get_string().value_unsafe(), w);
    default:  // numbers and literals: no character to escape
      WriteCompactJson(value, w, DoubleText::kShortest);
      return true;
  }
}

}  // namespace

bool WriteCompactJsonAsString(const simdjson::dom::element& value, JsonWriter& w) {
  w.Char('"');
  if (!WriteEscaped(value, w)) return false;
  w.Char('"');
  return true;
}

void AppendCompactJson(const simdjson::dom::element& value, std::string* out) {
  JsonWriter w(out);
  WriteCompactJson(value, w, DoubleText::kShortest);
}

}  // namespace opentrack::warehouse_schema
