#include "cli/spool_event_sink.h"

#include "loader/spooled_event.h"

namespace opentrack::cli {

void SpoolEventSink::Append(std::string_view source, std::vector<segment::AcceptedEvent> events,
                            std::function<void(absl::Status)> done) {
  // The source line is shared rather than copied into each record: building
  // `<source>\n<json>` per event cost a copy of every event and an allocation.
  std::vector<std::string> jsons;
  jsons.reserve(events.size());
  for (segment::AcceptedEvent& e : events) jsons.push_back(std::move(e.json));
  spool_->Append(loader::SpooledEventPrefix(source), std::move(jsons), std::move(done));
}

}  // namespace opentrack::cli
