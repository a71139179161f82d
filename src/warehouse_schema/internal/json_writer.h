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
  // Writes from the start of `scratch`, a buffer reused across many short
  // texts: its size is never reduced, so it is zero-filled only when it grows
  // and stays warm in cache. The text is Written(), not `scratch`'s size.
  struct Scratch {};
  JsonWriter(std::string* scratch, Scratch) : out_(scratch), pos_(0), keep_size_(true) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  ~JsonWriter() {
    if (!keep_size_) out_->resize(pos_);
  }

  std::string_view Written() const { return std::string_view(out_->data(), pos_); }

  void Char(char c) { *Need(1) = c, ++pos_; }
  void Raw(std::string_view s) {
    std::memcpy(Need(s.size()), s.data(), s.size());
    pos_ += s.size();
  }
  // Writes the first `size` bytes of `padded`, which holds at least
  // RoundUp16(size) readable bytes: whole 16-byte blocks, no memcpy call.
  [[gnu::always_inline]] void RawPadded(const char* padded, size_t size) {
    char* p = Need(size + kSpecialBlock);
    for (size_t i = 0; i < size; i += kSpecialBlock) std::memcpy(p + i, padded + i, kSpecialBlock);
    pos_ += size;
  }
  void Unwrite() { --pos_; }  // drops the last byte written
  size_t position() const { return pos_; }
  void Rewind(size_t position) { pos_ = position; }  // drops what came after `position`

  // A quoted, escaped string; the same text as opentrack::AppendJsonString.
  void String(std::string_view s) {
    // Blocks of 16 bytes are stored whole before their plain prefix is known:
    // after reading r bytes at most 2r + 1 are written, so this is room enough.
    char* p = Need(2 * s.size() + 2 + kSpecialBlock);
    *p++ = '"';
    const char* in = s.data();
    const char* const end = in + s.size();
    while (in != end) {
      const size_t left = static_cast<size_t>(end - in);
      uint32_t special;
      if (left >= kSpecialBlock) {
        std::memcpy(p, in, kSpecialBlock);
        special = SpecialJsonMask16(in);
      } else {  // the tail, through a padded copy (never read past `end`)
        char block[kSpecialBlock] = {};
        CopyShort(in, left, block);
        std::memcpy(p, block, kSpecialBlock);
        special = SpecialJsonMask16(block) | (uint32_t{1} << left);
      }
      if (special == 0) {
        p += kSpecialBlock, in += kSpecialBlock;
        continue;
      }
      const auto plain = static_cast<size_t>(__builtin_ctz(special));
      p += plain, in += plain;
      if (in == end) break;
      const char c = *in++;
      if (c == '"' || c == '\\') {
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
  // Shortest round-trip text (std::to_chars); non-finite values as the quoted
  // strings BigQuery accepts ("NaN", "Infinity", "-Infinity").
  void Double(double v) {
    if (!std::isfinite(v)) {
      Raw(std::isnan(v) ? "\"NaN\"" : v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
      return;
    }
    char* p = Need(32);
    char* end = ShortDecimal(v, p);
    if (end == nullptr) end = std::to_chars(p, p + 32, v).ptr;
    pos_ = end - out_->data();
  }

  // std::to_chars(v)'s text for the common case, a few times faster: a
  // fraction of 1 to 6 decimals and 0.01 <= |v| < 1e9 ("19.99"). nullptr
  // for other values. Exact because: r / 10^k is correctly rounded (both are
  // below 2^53), so when it equals |v| the k-decimal text reads back as v;
  // the smallest such k gives the fewest digits, and at most 15 significant
  // digits name one double only; and fixed notation is the shorter one here.
  static char* ShortDecimal(double v, char* p) {
    const double a = v < 0 ? -v : v;
    if (!(a >= 0.01 && a < 1e9)) return nullptr;
    static constexpr double kScale[] = {10, 100, 1e3, 1e4, 1e5, 1e6};
    for (int k = 0; k < 6; ++k) {
      const auto r = static_cast<int64_t>(a * kScale[k] + 0.5);
      if (static_cast<double>(r) / kScale[k] != a) continue;
      const auto scale = static_cast<int64_t>(kScale[k]);
      int64_t fraction = r % scale;
      if (fraction == 0) return nullptr;  // integral: to_chars may write "1e+05"
      if (v < 0) *p++ = '-';
      p = std::to_chars(p, p + 20, r / scale).ptr;
      *p++ = '.';
      for (int i = k; i >= 0; --i, fraction /= 10) p[i] = static_cast<char>('0' + fraction % 10);
      return p + k + 1;
    }
    return nullptr;
  }

 private:
  char* Need(size_t n) {
    // std::string grows its capacity geometrically; the slack keeps resizes
    // (and their zero-filling) rare.
    if (pos_ + n > out_->size()) out_->resize(pos_ + n + 1024);
    return out_->data() + pos_;
  }

  // Copies 1 to 15 bytes with fixed-size moves (no memcpy call).
  static void CopyShort(const char* in, size_t n, char* block) {
    if (n >= 8) {
      std::memcpy(block, in, 8);
      std::memcpy(block + n - 8, in + n - 8, 8);
    } else if (n >= 4) {
      std::memcpy(block, in, 4);
      std::memcpy(block + n - 4, in + n - 4, 4);
    } else {
      block[0] = in[0];
      block[n / 2] = in[n / 2];
      block[n - 1] = in[n - 1];
    }
  }

  std::string* out_;
  size_t pos_;
  bool keep_size_ = false;
};

}  // namespace opentrack::warehouse_schema::internal

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_JSON_WRITER_H_
