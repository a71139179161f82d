// The name hash that rows carry so schema lookups never rehash a column name.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TEXT_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_FAST_TEXT_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace opentrack::warehouse_schema::internal {

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
