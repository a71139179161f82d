// Shorthands shared by the segment tests.
#ifndef OPENTRACK_SEGMENT_TEST_UTIL_H_
#define OPENTRACK_SEGMENT_TEST_UTIL_H_

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "common/time_format.h"
#include "gtest/gtest.h"
#include "segment/request_parser.h"

namespace opentrack::segment::testing {

#ifdef OPENTRACK_SAMPLE_EVENTS
// The shared sample's events, one JSON object per line; empty if it is missing.
inline std::vector<std::string> SampleLines() {
  std::vector<std::string> lines;
  std::ifstream in(OPENTRACK_SAMPLE_EVENTS);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}
#endif

// The receive time of spec vector 22.
inline absl::Time ReceivedAt() { return *ParseTimestamp("2024-01-01T00:05:10.000Z"); }

inline RequestContext Context(std::string client_ip = "") {
  return RequestContext{ReceivedAt(), std::move(client_ip)};
}

// Parses a request that must not fail as a whole.
inline ParsedRequest Parse(std::string_view body, Endpoint endpoint,
                           const RequestContext& context = Context(), const Limits& limits = {}) {
  absl::StatusOr<ParsedRequest> parsed = ParseRequest(body, endpoint, context, limits);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << "\nbody: " << body;
  return parsed.ok() ? *std::move(parsed) : ParsedRequest{};
}

// The normalized JSON of a single call that must be accepted.
inline std::string Normalize(std::string_view body, Endpoint endpoint = Endpoint::kTrack,
                             const RequestContext& context = Context()) {
  ParsedRequest parsed = Parse(body, endpoint, context);
  EXPECT_EQ(parsed.rejected.size(), 0u)
      << (parsed.rejected.empty() ? ""
                                  : parsed.rejected[0].code + ": " + parsed.rejected[0].message);
  return parsed.accepted.size() == 1 ? parsed.accepted[0].json : "";
}

// The rejection of a single call that must be rejected.
inline RejectedEvent Reject(std::string_view body, Endpoint endpoint = Endpoint::kTrack) {
  ParsedRequest parsed = Parse(body, endpoint);
  EXPECT_EQ(parsed.accepted.size(), 0u) << (parsed.accepted.empty() ? "" : parsed.accepted[0].json);
  return parsed.rejected.size() == 1 ? parsed.rejected[0] : RejectedEvent{99, "", ""};
}

}  // namespace opentrack::segment::testing

#endif  // OPENTRACK_SEGMENT_TEST_UTIL_H_
