// CRC-32C (Castagnoli), the checksum of spool records and the cursor file.
#ifndef OPENTRACK_SPOOL_CRC32C_H_
#define OPENTRACK_SPOOL_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace opentrack::spool::crc32c {

// Returns the CRC-32C of `data` appended to a stream whose CRC was `crc`
// (start with 0). Uses SSE4.2 when the CPU has it, else slice-by-8 tables.
uint32_t Extend(uint32_t crc, const char* data, size_t n);
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// The portable implementation, exposed so tests can compare both paths.
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);
// True when Extend uses the SSE4.2 instruction.
bool HardwareAccelerated();

// A CRC stored next to data that may itself contain CRCs is masked so that
// computing the CRC of such data stays meaningful.
inline uint32_t Mask(uint32_t crc) {
  constexpr uint32_t kMaskDelta = 0xa282ead8u;
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
inline uint32_t Unmask(uint32_t masked) {
  constexpr uint32_t kMaskDelta = 0xa282ead8u;
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace opentrack::spool::crc32c

#endif  // OPENTRACK_SPOOL_CRC32C_H_
