#include "cli/spool_event_sink.h"

#include <string>
#include <utility>
#include <vector>

#include "common/uuid.h"
#include "loader/spooled_request.h"

namespace opentrack::cli {

void SpoolEventSink::Append(std::string_view source, http_api::AcceptedRequest request,
                            std::function<void(absl::Status)> done) {
  loader::SpooledRequest record;
  record.endpoint = request.endpoint;
  record.received_at = request.received_at;
  // Fixed now, so the loader gives events without a messageId the same ids
  // each time it reads the record (a crash before the ack reads it again).
  record.message_id_seed = NewUuidSeed();
  record.limits = request.limits;
  record.source = source;
  record.client_ip = request.client_ip;
  record.rejected_indexes = std::move(request.rejected_indexes);
  absl::StatusOr<std::string> header = loader::EncodeSpooledRequestHeader(record);
  if (!header.ok()) return done(header.status());
  // The body is appended after the header as the record's suffix, not copied into it.
  std::vector<std::string> body;
  body.push_back(std::move(request.body));
  spool_->Append(*std::move(header), std::move(body), std::move(done));
}

}  // namespace opentrack::cli
