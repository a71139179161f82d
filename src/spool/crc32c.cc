#include "spool/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace opentrack::spool::crc32c {
namespace {

constexpr uint32_t kPolynomial = 0x82f63b78u;  // Castagnoli, reflected.

// tables[k][b]: CRC contribution of byte b followed by k zero bytes.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    t[0][b] = crc;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

inline uint32_t LoadLE32(const unsigned char* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

#if defined(__x86_64__)
// One crc32 instruction takes 3 cycles but a new one can start every cycle,
// so a single stream runs at a third of the unit's speed. Long inputs are
// therefore cut into chunks of three lanes, each lane its own stream, and the
// lanes' registers joined with ShiftLane (below).
constexpr size_t kLaneBytes = 256;

__attribute__((target("sse4.2"))) uint64_t RawWords(uint64_t c, const unsigned char* p,
                                                    size_t words) {
  for (; words > 0; --words, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
  }
  return c;
}

// The raw register update is linear: after `a` then `b`, it is
// Zeros(after `a`, |b|) ^ (the register of `b` alone, from 0), where Zeros
// runs zero bytes through. For |b| == kLaneBytes that map is tabulated per
// byte of the register.
struct LaneShift {
  std::array<std::array<uint32_t, 256>, 4> table;
};

__attribute__((target("sse4.2"))) uint32_t ZerosSlow(uint32_t c, size_t n) {
  uint64_t r = c;
  for (size_t i = 0; i < n / 8; ++i) r = _mm_crc32_u64(r, 0);
  return static_cast<uint32_t>(r);
}

const LaneShift& GetLaneShift() {
  static const LaneShift* shift = [] {
    auto* s = new LaneShift();
    uint32_t basis[32];
    for (int i = 0; i < 32; ++i) basis[i] = ZerosSlow(uint32_t{1} << i, kLaneBytes);
    for (int k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t v = 0;
        for (int i = 0; i < 8; ++i) {
          if (b & (1u << i)) v ^= basis[8 * k + i];
        }
        s->table[k][b] = v;
      }
    }
    return s;
  }();
  return *shift;
}

inline uint32_t ShiftLane(const LaneShift& s, uint32_t c) {
  return s.table[0][c & 0xff] ^ s.table[1][(c >> 8) & 0xff] ^ s.table[2][(c >> 16) & 0xff] ^
         s.table[3][c >> 24];
}

__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint64_t c = ~crc;
  for (; n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0; --n, ++p) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p);
  }
  if (n >= 3 * kLaneBytes) {
    const LaneShift& shift = GetLaneShift();
    for (; n >= 3 * kLaneBytes; n -= 3 * kLaneBytes, p += 3 * kLaneBytes) {
      uint64_t c1 = 0, c2 = 0;
      const unsigned char* p1 = p + kLaneBytes;
      const unsigned char* p2 = p + 2 * kLaneBytes;
      for (size_t i = 0; i < kLaneBytes; i += 8) {
        uint64_t w0, w1, w2;
        std::memcpy(&w0, p + i, 8);
        std::memcpy(&w1, p1 + i, 8);
        std::memcpy(&w2, p2 + i, 8);
        c = _mm_crc32_u64(c, w0);
        c1 = _mm_crc32_u64(c1, w1);
        c2 = _mm_crc32_u64(c2, w2);
      }
      const uint32_t joined =
          ShiftLane(shift, static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(c1);
      c = ShiftLane(shift, joined) ^ static_cast<uint32_t>(c2);
    }
  }
  c = RawWords(c, p, n / 8);
  p += n & ~size_t{7};
  n &= 7;
  for (; n > 0; --n, ++p) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p);
  return ~static_cast<uint32_t>(c);
}

bool DetectSse42() { return __builtin_cpu_supports("sse4.2"); }
#else
bool DetectSse42() { return false; }
#endif

const bool kHaveSse42 = DetectSse42();

}  // namespace

uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint32_t lo = LoadLE32(p) ^ c;
    uint32_t hi = LoadLE32(p + 4);
    c = kTables[7][lo & 0xff] ^ kTables[6][(lo >> 8) & 0xff] ^ kTables[5][(lo >> 16) & 0xff] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xff] ^ kTables[2][(hi >> 8) & 0xff] ^
        kTables[1][(hi >> 16) & 0xff] ^ kTables[0][hi >> 24];
  }
  for (; n > 0; --n, ++p) c = (c >> 8) ^ kTables[0][(c ^ *p) & 0xff];
  return ~c;
}

uint32_t Extend(uint32_t crc, const char* data, size_t n) {
#if defined(__x86_64__)
  if (kHaveSse42) return ExtendSse42(crc, data, n);
#endif
  return ExtendPortable(crc, data, n);
}

bool HardwareAccelerated() { return kHaveSse42; }

}  // namespace opentrack::spool::crc32c
