// Backs the Tracking API's EventSink with the spool: each accepted request
// becomes one spool record (loader/spooled_request.h), and the API answers
// once it is fsynced.
#ifndef OPENTRACK_CLI_SPOOL_EVENT_SINK_H_
#define OPENTRACK_CLI_SPOOL_EVENT_SINK_H_

#include "http_api/event_sink.h"
#include "spool/spool.h"

namespace opentrack::cli {

class SpoolEventSink final : public http_api::EventSink {
 public:
  explicit SpoolEventSink(spool::Spool* spool) : spool_(spool) {}
  void Append(std::string_view source, http_api::AcceptedRequest request,
              std::function<void(absl::Status)> done) override;

 private:
  spool::Spool* const spool_;  // not owned
};

}  // namespace opentrack::cli

#endif  // OPENTRACK_CLI_SPOOL_EVENT_SINK_H_
