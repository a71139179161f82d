#include "cli/spool_event_sink.h"

#include "loader/spooled_event.h"

namespace opentrack::cli {

void SpoolEventSink::Append(std::string_view source, std::vector<segment::AcceptedEvent> events,
                            std::function<void(absl::Status)> done) {
  std::vector<std::string> records;
  records.reserve(events.size());
  for (const segment::AcceptedEvent& e : events) {
    records.push_back(loader::EncodeSpooledEvent(source, e.json));
  }
  spool_->Append(std::move(records), std::move(done));
}

}  // namespace opentrack::cli
