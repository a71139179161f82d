// Little-endian 32-bit fields of the spool's on-disk formats
// (docs/spool-format.md), independent of the host's byte order.
#ifndef OPENTRACK_SPOOL_LITTLE_ENDIAN_H_
#define OPENTRACK_SPOOL_LITTLE_ENDIAN_H_

#include <cstdint>

namespace opentrack::spool {

inline void PutLE32(uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline uint32_t GetLE32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_LITTLE_ENDIAN_H_
