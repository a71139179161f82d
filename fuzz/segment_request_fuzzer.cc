// Fuzzes segment::ParseRequest with every endpoint. Beyond "no crash", it
// checks that each accepted event is valid JSON and that normalizing it again
// (as a single call of its type) gives back the same text, and that
// ValidateRequest agrees with ParseRequest: the same failure, or the same
// write key, accepted count and rejections; its DOM-free path must answer
// alone whenever the body is valid JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "absl/time/time.h"
#include "common/error_code.h"
#include "common/json_text.h"
#include "segment/request_parser.h"
#include "segment/request_validator.h"
#include "simdjson.h"

namespace {

using opentrack::segment::Endpoint;

void Check(bool condition) {
  if (!condition) std::abort();
}

Endpoint EndpointOf(opentrack::segment::EventType type) {
  return static_cast<Endpoint>(static_cast<int>(type));
}

void CheckValidatorAgrees(std::string_view body, Endpoint endpoint,
                          const opentrack::segment::RequestContext& context,
                          const opentrack::segment::Limits& limits,
                          const absl::StatusOr<opentrack::segment::ParsedRequest>& parsed) {
  const absl::StatusOr<opentrack::segment::ValidatedRequest> validated =
      opentrack::segment::ValidateRequest(body, endpoint, context, limits);
  const bool fast_answered =
      opentrack::segment::internal::ValidateWithStructuralIndex(body, endpoint, context, limits)
          .has_value();
  Check(validated.ok() == parsed.ok());
  if (!parsed.ok()) {
    Check(validated.status().code() == parsed.status().code());
    Check(opentrack::ErrorCode(validated.status()) == opentrack::ErrorCode(parsed.status()));
    Check(validated.status().message() == parsed.status().message());
    Check(fast_answered == (opentrack::ErrorCode(parsed.status()) != "invalid_json"));
    return;
  }
  Check(fast_answered);
  Check(validated->write_key == parsed->write_key);
  Check(validated->accepted == parsed->accepted.size());
  Check(validated->rejected.size() == parsed->rejected.size());
  for (size_t i = 0; i < parsed->rejected.size(); ++i) {
    Check(validated->rejected[i].index == parsed->rejected[i].index);
    Check(validated->rejected[i].code == parsed->rejected[i].code);
    Check(validated->rejected[i].message == parsed->rejected[i].message);
  }
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
    CheckValidatorAgrees(body, endpoint, context, {}, parsed);
    // Tight limits, so that small inputs reach the size, count and depth rules.
    opentrack::segment::Limits tight;
    tight.max_event_bytes = 48;
    tight.max_batch_events = 3;
    tight.max_depth = 4;
    CheckValidatorAgrees(body, endpoint, context, tight,
                         opentrack::segment::ParseRequest(body, endpoint, context, tight));
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
