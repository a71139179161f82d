// Where the Tracking API puts the requests it accepts; the composition root
// backs it with the spool. A request goes as sent (decoded), with what its
// events' normalization needs to decide as the API did: normalizing is the
// loader's work, off the request path.
#ifndef OPENTRACK_HTTP_API_EVENT_SINK_H_
#define OPENTRACK_HTTP_API_EVENT_SINK_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "segment/request_parser.h"

namespace opentrack::http_api {

// A request with at least one accepted event. segment::ParseRequest(body,
// endpoint, {received_at, client_ip}, limits) accepts exactly the events
// segment::ValidateRequest did: `accepted` of them, all but rejected_indexes.
struct AcceptedRequest {
  segment::Endpoint endpoint = segment::Endpoint::kBatch;
  absl::Time received_at;
  std::string client_ip;  // written to events without context.ip
  segment::Limits limits;
  // Decoded. Its spare capacity may be read (body_readable_after_end).
  std::string body;
  size_t accepted = 0;
  std::vector<size_t> rejected_indexes;  // ascending (batch items answered as rejected)
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Makes `request` durable for source `source`, then calls done(OkStatus()),
  // possibly later and from another thread. ResourceExhausted means full
  // (answered 503 + Retry-After); InvalidArgument 400; any other error 500.
  virtual void Append(std::string_view source, AcceptedRequest request,
                      std::function<void(absl::Status)> done) = 0;
};

}  // namespace opentrack::http_api

#endif  // OPENTRACK_HTTP_API_EVENT_SINK_H_
