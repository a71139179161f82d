// Segment's HTTP Tracking API (/v1/track, /v1/batch, analytics.js's /v1/t ...)
// as an http::Handler: write-key auth, Content-Encoding, CORS, health,
// readiness and metrics. Accepted requests go to an EventSink; a request is
// answered 200 only once the sink reports it durable.
#ifndef OPENTRACK_HTTP_API_TRACKING_API_H_
#define OPENTRACK_HTTP_API_TRACKING_API_H_

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "common/clock.h"
#include "http_api/event_sink.h"
#include "http_server/http_server.h"
#include "metrics/metrics.h"
#include "segment/request_parser.h"

namespace opentrack::http_api {

// A Segment source: its write key selects it. Dataset mapping lives elsewhere.
struct Source {
  std::string name;
  std::string write_key;
};

struct ApiOptions {
  std::vector<Source> sources;
  // Accept any (or no) write key; unknown keys go to the first source, or
  // "default" when there is none.
  bool allow_any_write_key = false;
  segment::Limits limits;
  int retry_after_seconds = 5;
  // GET /ready answers 200 while this returns true (always, when unset).
  std::function<bool()> ready;
};

class TrackingApi {
 public:
  // `sink`, `clock` and `registry` must outlive the TrackingApi, and the
  // TrackingApi must outlive every pending sink callback: stop the server and
  // drain the sink before destroying it.
  TrackingApi(ApiOptions options, EventSink* sink, Clock* clock, metrics::Registry* registry);

  // The http::Handler. Thread-safe; never blocks on the sink.
  void Handle(http::Request request, http::Responder respond);

  // Adapts Handle for http::Server::Start.
  http::Handler AsHandler() {
    return [this](http::Request request, http::Responder respond) {
      Handle(std::move(request), std::move(respond));
    };
  }

 private:
  // What Finish needs to know about a request, kept past the request itself.
  struct Call {
    std::string_view endpoint;  // metrics label; a static string
    bool cors = false;
    std::string origin;
    absl::Time start;
  };

  void HandleTrack(http::Request request, segment::Endpoint endpoint, Call call,
                   http::Responder respond);
  // Resolves the source for a write key; false when the key is not accepted.
  bool FindSource(std::string_view write_key, std::string* source) const;
  // Counts the request and its latency, adds CORS headers, and responds.
  void Finish(const Call& call, http::Response response, const http::Responder& respond);

  // Per-endpoint metric series, looked up in the registry once and cached:
  // Finish runs on the spool's writer thread for every request, and a registry
  // lookup (lock, label sort, map search) there delays the whole group commit.
  static constexpr int kMinStatus = 100;
  static constexpr int kMaxStatus = 599;
  struct EndpointMetrics {
    std::atomic<metrics::Histogram*> duration{nullptr};
    std::array<std::atomic<metrics::Counter*>, kMaxStatus - kMinStatus + 1> requests{};
  };
  metrics::Counter& RequestsCounter(std::string_view endpoint, int status);
  metrics::Histogram& DurationHistogram(std::string_view endpoint);
  // nullptr for an endpoint name that is not one of the fixed labels.
  EndpointMetrics* MetricsFor(std::string_view endpoint);

  const ApiOptions options_;
  EventSink* const sink_;
  Clock* const clock_;
  metrics::Registry* const registry_;
  absl::flat_hash_map<std::string, std::string> source_by_key_;
  std::string default_source_;
  metrics::Counter& bytes_received_;
  metrics::Counter& bytes_decoded_;
  metrics::Counter& events_accepted_;
  std::unique_ptr<EndpointMetrics[]> endpoint_metrics_;  // one per kEndpointLabels entry
};

}  // namespace opentrack::http_api

#endif  // OPENTRACK_HTTP_API_TRACKING_API_H_
