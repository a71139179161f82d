// Random (version 4) UUIDs for messageIds the server assigns and for job ids.
#ifndef OPENTRACK_COMMON_UUID_H_
#define OPENTRACK_COMMON_UUID_H_

#include <string>

namespace opentrack {

// Returns a lowercase RFC 4122 version-4 UUID. Thread-safe.
std::string NewUuid();

}  // namespace opentrack

#endif  // OPENTRACK_COMMON_UUID_H_
