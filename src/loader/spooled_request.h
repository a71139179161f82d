// The spool record of one Tracking API request: the body as the collector
// decoded it, after a header with what it decided with (endpoint, receive
// time, client IP, limits, the events it rejected) and the seed of the
// messageIds it leaves to the server. The loader normalizes the body with
// segment::ParseRequest and that same context. Layout: docs/spool-format.md.
// A record of the older one-event format (spooled_event.h) starts with its
// source name, never NUL: the first byte tells the two apart.
#ifndef OPENTRACK_LOADER_SPOOLED_REQUEST_H_
#define OPENTRACK_LOADER_SPOOLED_REQUEST_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/uuid.h"
#include "segment/request_parser.h"

namespace opentrack::loader {

inline constexpr char kSpooledRequestMarker = '\0';   // byte 0
inline constexpr uint8_t kSpooledRequestVersion = 1;  // byte 1
// Marker, version, endpoint, a zero byte, receive time, seed, four limits.
inline constexpr size_t kSpooledRequestFixedBytes = 4 + 8 + 16 + 4 * 4;

// Decoded, the string views point into the record and are valid while it is.
struct SpooledRequest {
  segment::Endpoint endpoint = segment::Endpoint::kBatch;
  absl::Time received_at;  // kept to the microsecond
  UuidSeed message_id_seed;
  segment::Limits limits;  // the collector's: the loader decides with the same
  std::string_view source;
  std::string_view client_ip;
  std::vector<size_t> rejected_indexes;  // strictly ascending
  std::string_view body;                 // not empty; ends the record
};

// True when `record` is a request record rather than a one-event record.
inline bool IsSpooledRequest(std::string_view record) {
  return !record.empty() && record.front() == kSpooledRequestMarker;
}

// The record up to its body, which follows to the end: Spool::Append(header,
// {body}) writes the record without building it. InvalidArgument when a field
// does not fit its width (source or client IP over 65535 bytes, a limit or an
// index over 2^32-1), the source is empty or the indexes are not ascending.
absl::StatusOr<std::string> EncodeSpooledRequestHeader(const SpooledRequest& request);
// The whole record (header + body), for tests and tools.
absl::StatusOr<std::string> EncodeSpooledRequest(const SpooledRequest& request);

// InvalidArgument, naming what is wrong, for a record that is not a complete
// request record of this version: any length past the end, an unknown
// endpoint, empty source or body, indexes out of order. Never reads past
// `record`.
absl::StatusOr<SpooledRequest> DecodeSpooledRequest(std::string_view record);

}  // namespace opentrack::loader

#endif  // OPENTRACK_LOADER_SPOOLED_REQUEST_H_
