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
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0x94D049BB133111EBull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return static_cast<uint32_t>(h);
}

}  // namespace opentrack::warehouse_schema::internal

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TEXT_H_
