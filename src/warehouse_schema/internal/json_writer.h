// Appends JSON text to a std::string through a raw pointer: the row encoder
// writes ~4 KB per event, and per-byte push_back was its main cost.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_JSON_WRITER_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_JSON_WRITER_H_

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/json_text.h"
#include "warehouse_schema/internal/fast_text.h"

namespace opentrack::warehouse_schema::internal {

// Owns `out` until destroyed (or Release()d): `out` then holds exactly the
// text written. Not for concurrent use.
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out, size_t expected = 0) : out_(out), pos_(out->size()) {
    Need(expected);
  }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  ~JsonWriter() { out_->resize(pos_); }

  void Char(char c) { *Need(1) = c, ++pos_; }
  void Raw(std::string_view s) {
    std::memcpy(Need(s.size()), s.data(), s.size());
    pos_ += s.size();
  }
  void Unwrite() { --pos_; }  // drops the last byte written

  // A quoted, escaped string; the same text as opentrack::AppendJsonString.
  void String(std::string_view s) {
    char* p = Need(2 * s.size() + 2);
    *p++ = '"';
    for (size_t i = 0; i < s.size();) {
      if (i + 8 <= s.size()) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        std::memcpy(p, &w, 8);  // room: at most 2 * i + 9 bytes are written so far
        const uint64_t special = SpecialJsonBytes(w);
        const size_t plain = special == 0 ? 8 : static_cast<size_t>(__builtin_ctzll(special)) / 8;
        p += plain, i += plain;
        if (plain == 8) continue;
      }
      const char c = s[i++];
      if (PlainJsonByte(c)) {
        *p++ = c;
      } else if (c == '"' || c == '\\') {
        *p++ = '\\', *p++ = c;
      } else {  // control or non-ASCII: the careful writer, for the whole string
        out_->resize(pos_);
        AppendJsonString(out_, s);
        pos_ = out_->size();
        return;
      }
    }
    *p++ = '"';
    pos_ = p - out_->data();
  }

  void Int(int64_t v) {
    char* p = Need(24);
    pos_ = std::to_chars(p, p + 24, v).ptr - out_->data();
  }
  void Uint(uint64_t v) {
    char* p = Need(24);
    pos_ = std::to_chars(p, p + 24, v).ptr - out_->data();
  }
  // Shortest round-trip text; non-finite values as the quoted strings BigQuery
  // accepts ("NaN", "Infinity", "-Infinity").
  void Double(double v) {
    if (!std::isfinite(v)) {
      Raw(std::isnan(v) ? "\"NaN\"" : v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
      return;
    }
    char* p = Need(32);
    pos_ = std::to_chars(p, p + 32, v).ptr - out_->data();
  }

 private:
  char* Need(size_t n) {
    // std::string grows its capacity geometrically; the slack keeps resizes rare.
    if (pos_ + n > out_->size()) out_->resize(pos_ + n + 256);
    return out_->data() + pos_;
  }

  std::string* out_;
  size_t pos_;
};

}  // namespace opentrack::warehouse_schema::internal

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_JSON_WRITER_H_
