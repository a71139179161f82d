#include "common/uuid.h"

#include <random>

namespace opentrack {
namespace {

std::mt19937_64& ThreadRng() {
  // One generator per thread, seeded from the OS, so no locking is needed.
  thread_local std::mt19937_64 rng(std::random_device{}() ^
                                   (static_cast<uint64_t>(std::random_device{}()) << 32));
  return rng;
}

std::string FormatUuid(uint64_t hi, uint64_t lo) {
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(v >> (i * 4)) & 0xF];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return out;
}

// splitmix64's finalizer: a bijection on 64 bits that spreads every input bit.
uint64_t Mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

std::string NewUuid() {
  std::mt19937_64& rng = ThreadRng();
  const uint64_t hi = rng();
  return FormatUuid(hi, rng());
}

UuidSeed NewUuidSeed() {
  std::mt19937_64& rng = ThreadRng();
  const uint64_t hi = rng();
  return UuidSeed{hi, rng()};
}

std::string UuidFromSeed(UuidSeed seed, uint64_t index) {
  // An odd multiplier keeps index -> hi one to one, and Mix is a bijection.
  return FormatUuid(Mix(seed.hi ^ (index * 0x9E3779B97F4A7C15ULL)), Mix(seed.lo + index));
}

}  // namespace opentrack
