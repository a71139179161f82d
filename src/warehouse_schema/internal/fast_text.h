// Hot-path text helpers for the row encoder: an ASCII fast path in front of
// common/json_text.h, and the name hash that rows carry so schema lookups
// never rehash a column name.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TEXT_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TEXT_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/json_text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace opentrack::warehouse_schema::internal {

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

// Bit i set when byte i of the 16 at `p` needs escaping in JSON or is
// non-ASCII (exact, unlike SpecialJsonBytes).
inline uint32_t SpecialJsonMask16(const char* p) {
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed compare: bytes >= 0x80 are negative, so this catches them too.
  const __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, backslash))));
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

// Same output as opentrack::AppendJsonString: plain ASCII is copied in bulk,
// quotes and backslashes escaped inline; control and non-ASCII bytes (rare in
// events, and needing UTF-8 checks) hand the rest of the string to it.
inline void AppendJsonStringFast(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t run = 0;  // start of the plain run not yet copied
  size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (PlainJsonWord(w)) {
        i += 8;
        continue;
      }
    }
    const char c = s[i];
    if (PlainJsonByte(c)) {
      ++i;
      continue;
    }
    out->append(s.data() + run, i - run);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
      run = ++i;
      continue;
    }
    // The rest goes through the careful writer, which adds its own opening quote.
    const size_t quote = out->size();
    AppendJsonString(out, s.substr(i));
    out->erase(quote, 1);
    return;
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

// A fast 32-bit hash of a column name (not stable across versions: never
// store it).
inline uint32_t NameHash(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  // The last 0 to 7 bytes, with fixed-size loads (no memcpy call).
  const size_t left = s.size() - i;
  const char* p = s.data() + i;
  uint64_t tail = 0;
  if (left >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + left - 4, 4);
    tail = lo | (uint64_t{hi} << 32);
  } else if (left > 0) {
    tail = static_cast<unsigned char>(p[0]) |
           (uint64_t{static_cast<unsigned char>(p[left / 2])} << 8) |
           (uint64_t{static_cast<unsigned char>(p[left - 1])} << 16);
  }
  h = (h ^ tail) * 0x94D049BB133111EBull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return static_cast<uint32_t>(h);
}

}  // namespace opentrack::warehouse_schema::internal

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TEXT_H_
