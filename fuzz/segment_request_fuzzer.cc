// Fuzzes segment::ParseRequest with every endpoint. Beyond "no crash", it
// checks that each accepted event is valid JSON and that normalizing it again
// (as a single call of its type) gives back the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "absl/time/time.h"
#include "common/error_code.h"
#include "common/json_text.h"
#include "segment/request_parser.h"
#include "simdjson.h"

namespace {

using opentrack::segment::Endpoint;

void Check(bool condition) {
  if (!condition) std::abort();
}

Endpoint EndpointOf(opentrack::segment::EventType type) {
  return static_cast<Endpoint>(static_cast<int>(type));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const opentrack::segment::RequestContext context{absl::FromUnixMicros(1704067510123456),
                                                   "203.0.113.7"};
  opentrack::segment::Limits unlimited;
  unlimited.max_event_bytes = std::numeric_limits<size_t>::max();
  thread_local simdjson::dom::parser checker;

  for (Endpoint endpoint :
       {Endpoint::kTrack, Endpoint::kIdentify, Endpoint::kPage, Endpoint::kScreen, Endpoint::kGroup,
        Endpoint::kAlias, Endpoint::kBatch}) {
    absl::StatusOr<opentrack::segment::ParsedRequest> parsed =
        opentrack::segment::ParseRequest(body, endpoint, context);
    if (!parsed.ok()) {
      Check(!opentrack::ErrorCode(parsed.status()).empty());
      continue;
    }
    for (const auto& rejected : parsed->rejected) Check(!rejected.code.empty());
    for (const auto& event : parsed->accepted) {
      Check(opentrack::IsValidUtf8(event.json));
      simdjson::dom::element doc;
      Check(!checker.parse(event.json).get(doc));
      // An event that came without a client time has originalTimestamp ==
      // receivedAt; read back, that looks like a client time and, with sentAt,
      // gets skew-corrected, so only the other events must round-trip exactly.
      if (std::string_view(doc["originalTimestamp"]) == std::string_view(doc["receivedAt"])) {
        continue;
      }
      absl::StatusOr<opentrack::segment::ParsedRequest> again =
          opentrack::segment::ParseRequest(event.json, EndpointOf(event.type), context, unlimited);
      Check(again.ok() && again->rejected.empty() && again->accepted.size() == 1);
      Check(again->accepted[0].json == event.json);
    }
  }
  return 0;
}
