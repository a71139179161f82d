// Random (version 4) UUIDs for messageIds the server assigns and for job ids.
#ifndef OPENTRACK_COMMON_UUID_H_
#define OPENTRACK_COMMON_UUID_H_

#include <cstdint>
#include <string>

namespace opentrack {

// Returns a lowercase RFC 4122 version-4 UUID. Thread-safe.
std::string NewUuid();

// 128 random bits that UuidFromSeed turns into any number of ids.
struct UuidSeed {
  uint64_t hi = 0;
  uint64_t lo = 0;
};

// Thread-safe.
UuidSeed NewUuidSeed();

// A version-4-formatted UUID fixed by (seed, index): deriving it again, e.g.
// after a restart re-reads a spooled request, gives the same id. Distinct
// indexes of one seed give distinct ids.
std::string UuidFromSeed(UuidSeed seed, uint64_t index);

}  // namespace opentrack

#endif  // OPENTRACK_COMMON_UUID_H_
