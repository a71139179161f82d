// JSON text written fast: SIMD scans for the bytes strings must escape, and a
// writer that appends to a std::string through a raw pointer (per-byte
// push_back was the main cost of encoding ~4 KB of rows per event).
#ifndef OPENTRACK_COMMON_JSON_WRITER_H_
#define OPENTRACK_COMMON_JSON_WRITER_H_

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/json_text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace opentrack {

// Marks (bit 7 of each byte, little-endian) the bytes of the 8 in `w` that
// need escaping in JSON or are non-ASCII. Bits above the lowest one may be
// false positives; the lowest is exact.
inline uint64_t SpecialJsonBytes(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t control = (w - 0x20 * kOnes) & ~w & kHigh;  // a byte < 0x20
  return (w & kHigh) | control | has_zero(w ^ ('"' * kOnes)) | has_zero(w ^ ('\\' * kOnes));
}

inline constexpr size_t kSpecialBlock = 16;

// Bit i set when byte i of the 16 at `p` (or in `v`) needs escaping in JSON
// or is non-ASCII (exact, unlike SpecialJsonBytes).
#if defined(__SSE2__)
inline uint32_t SpecialJsonMask16(__m128i v) {
  // Signed compare: bytes >= 0x80 are negative, so this catches them too.
  const __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, backslash))));
}
#endif

inline uint32_t SpecialJsonMask16(const char* p) {
#if defined(__SSE2__)
  return SpecialJsonMask16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
#else
  uint32_t mask = 0;
  for (size_t i = 0; i < kSpecialBlock; ++i) {
    const auto b = static_cast<unsigned char>(p[i]);
    if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') mask |= uint32_t{1} << i;
  }
  return mask;
#endif
}
inline bool PlainJsonWord(uint64_t w) { return SpecialJsonBytes(w) == 0; }

inline bool PlainJsonByte(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b >= 0x20 && b < 0x80 && c != '"' && c != '\\';
}

// Owns `out` until destroyed (or Release()d): `out` then holds exactly the
// text written. Not for concurrent use.
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out, size_t expected = 0)
      : out_(out), base_(out->data()), cur_(base_ + out->size()), limit_(cur_) {
    Need(expected);
  }
  // Writes from the start of `scratch`, a buffer reused across many short
  // texts: its size is never reduced, so it is zero-filled only when it grows
  // and stays warm in cache. The text is Written(), not `scratch`'s size.
  struct Scratch {};
  JsonWriter(std::string* scratch, Scratch) : JsonWriter(scratch, 0, Scratch{}) {}
  // The same, from `start`: the bytes before it are kept (a buffer of many
  // texts, whose size is its capacity). Written() includes them.
  JsonWriter(std::string* scratch, size_t start, Scratch)
      : out_(scratch),
        base_(scratch->data()),
        cur_(base_ + start),
        limit_(base_ + scratch->size()),
        keep_size_(true) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  ~JsonWriter() {
    if (!keep_size_) out_->resize(position());
  }

  std::string_view Written() const { return std::string_view(base_, position()); }

  void Char(char c) { *Need(1) = c, ++cur_; }
  void Raw(std::string_view s) {
    std::memcpy(Need(s.size()), s.data(), s.size());
    cur_ += s.size();
  }
  // Writes the first `size` bytes of `padded`, which holds at least
  // RoundUp16(size) readable bytes: whole 16-byte blocks, no memcpy call.
  [[gnu::always_inline]] void RawPadded(const char* padded, size_t size) {
    char* p = Need(size + kSpecialBlock);
    for (size_t i = 0; i < size; i += kSpecialBlock) std::memcpy(p + i, padded + i, kSpecialBlock);
    cur_ += size;
  }
  void Unwrite() { --cur_; }  // drops the last byte written
  // Replaces a byte already written.
  void Overwrite(size_t position, char c) { base_[position] = c; }

  // For callers that assemble text themselves: room for `n` bytes at the
  // returned pointer; Commit(end) keeps what was written before `end`.
  // Nothing may be written through the writer in between.
  char* Reserve(size_t n) { return Need(n); }
  void Commit(const char* end) { cur_ = base_ + (end - base_); }
  size_t position() const { return static_cast<size_t>(cur_ - base_); }
  void Rewind(size_t position) { cur_ = base_ + position; }  // drops what came after `position`

  // A quoted, escaped string; the same text as opentrack::AppendJsonString.
  void String(std::string_view s) { WriteString</*kPadded=*/false>(s); }

  // String() for text followed by at least 15 readable bytes, as simdjson's
  // DOM strings are (its string buffer is padded): whole 16-byte blocks, no
  // tail assembled from pieces (whose length-dependent branches mispredict).
  void PaddedString(std::string_view s) { WriteString</*kPadded=*/true>(s); }

  // Whether `s`, followed by at least 15 readable bytes, needs no escaping.
  static bool PaddedPlain(std::string_view s) {
    const char* in = s.data();
    size_t left = s.size();
    for (; left >= kSpecialBlock; left -= kSpecialBlock, in += kSpecialBlock) {
      if (SpecialJsonMask16(in) != 0) return false;
    }
    return (SpecialJsonMask16(in) & ((1u << left) - 1)) == 0;
  }

  void Int(int64_t v) {
    char* p = Need(24);
    cur_ = std::to_chars(p, p + 24, v).ptr;
  }
  void Uint(uint64_t v) {
    char* p = Need(24);
    cur_ = std::to_chars(p, p + 24, v).ptr;
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
    cur_ = end;
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
  template <bool kPadded>
  void WriteString(std::string_view s) {
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
      } else if constexpr (kPadded) {  // the bytes after `end` are readable, not ours
        std::memcpy(p, in, kSpecialBlock);
        special = (SpecialJsonMask16(in) & ((1u << left) - 1)) | (1u << left);
      } else {  // the tail, zero-padded in registers (never read past `end`)
        uint64_t lo, hi;
        ShortWords(in, left, lo, hi);
        special = StoreBlock(lo, hi, p) | (uint32_t{1} << left);
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
        out_->resize(position());
        AppendJsonString(out_, s);
        base_ = out_->data();
        cur_ = limit_ = base_ + out_->size();
        return;
      }
    }
    *p++ = '"';
    cur_ = p;
  }

  // Inlined into every write: the check, not the growth. Two loads: the
  // text's bounds are kept as pointers, not re-read through `out_` (any
  // char store may alias the std::string, so those reloads were not hoisted).
  [[gnu::always_inline]] char* Need(size_t n) {
    if (static_cast<size_t>(limit_ - cur_) < n) [[unlikely]] {
      Grow(n);
    }
    return cur_;
  }
  [[gnu::noinline]] void Grow(size_t n) {
    // std::string grows its capacity geometrically; the slack keeps resizes
    // (and their zero-filling) rare.
    const size_t pos = position();
    out_->resize(pos + n + 1024);
    base_ = out_->data();
    cur_ = base_ + pos;
    limit_ = base_ + out_->size();
  }

  // The 1 to 15 bytes at `in` as two little-endian words, zero-padded. Built
  // in registers: assembling them in memory and reloading them as one block
  // stalled store-to-load forwarding on every string.
  static void ShortWords(const char* in, size_t n, uint64_t& lo, uint64_t& hi) {
    hi = 0;
    if (n >= 8) {
      std::memcpy(&lo, in, 8);
      if (n > 8) {
        uint64_t tail;
        std::memcpy(&tail, in + n - 8, 8);
        hi = tail >> (8 * (16 - n));
      }
    } else if (n >= 4) {
      uint32_t first, last;
      std::memcpy(&first, in, 4);
      std::memcpy(&last, in + n - 4, 4);
      lo = first | (uint64_t{last} << (8 * (n - 4)));
    } else {
      const auto byte = [in](size_t i) { return uint64_t{static_cast<unsigned char>(in[i])}; };
      lo = byte(0) | byte(n / 2) << (8 * (n / 2)) | byte(n - 1) << (8 * (n - 1));
    }
  }

  // Stores the 16 bytes `lo`, `hi` at `p` and returns SpecialJsonMask16 of them.
  static uint32_t StoreBlock(uint64_t lo, uint64_t hi, char* p) {
#if defined(__SSE2__)
    const __m128i v = _mm_set_epi64x(static_cast<int64_t>(hi), static_cast<int64_t>(lo));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
    return SpecialJsonMask16(v);
#else
    std::memcpy(p, &lo, 8);
    std::memcpy(p + 8, &hi, 8);
    return SpecialJsonMask16(p);
#endif
  }

  std::string* out_;
  char* base_;   // out_->data()
  char* cur_;    // where the next byte goes
  char* limit_;  // out_->data() + out_->size()
  bool keep_size_ = false;
};

}  // namespace opentrack

#endif  // OPENTRACK_COMMON_JSON_WRITER_H_
