#include "http_api/tracking_api.h"

#include <array>
#include <optional>
#include <string>
#include <utility>

#include "http_api/body_decoder.h"
#include "http_api/request_info.h"
#include "http_api/responses.h"
#include "segment/request_validator.h"

namespace opentrack::http_api {
namespace {

using segment::Endpoint;

// Every value Call::endpoint takes; metrics for these are cached.
constexpr std::array<std::string_view, 11> kEndpointLabels = {
    "unknown", "health", "ready", "metrics", "track", "identify",
    "page",    "screen", "group", "alias",   "batch"};

std::string_view EndpointName(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kTrack:
      return "track";
    case Endpoint::kIdentify:
      return "identify";
    case Endpoint::kPage:
      return "page";
    case Endpoint::kScreen:
      return "screen";
    case Endpoint::kGroup:
      return "group";
    case Endpoint::kAlias:
      return "alias";
    case Endpoint::kBatch:
      return "batch";
  }
  return "unknown";
}

http::Response MethodNotAllowed(std::string allow) {
  http::Response response =
      ErrorResponse(405, "method_not_allowed", "use " + allow + " on this path");
  response.SetHeader("Allow", std::move(allow));
  return response;
}

http::Response NotFound() { return ErrorResponse(404, "not_found", "no such path"); }

bool IsGet(const http::Request& request) {
  return request.method == "GET" || request.method == "HEAD";
}

}  // namespace

TrackingApi::TrackingApi(ApiOptions options, EventSink* sink, Clock* clock,
                         metrics::Registry* registry)
    : options_(std::move(options)),
      sink_(sink),
      clock_(clock),
      registry_(registry),
      bytes_received_(registry->GetCounter("opentrack_http_request_bytes_total",
                                           "Tracking API body bytes received, as sent.")),
      bytes_decoded_(registry->GetCounter("opentrack_http_request_decoded_bytes_total",
                                          "Tracking API body bytes after decompression.")),
      events_accepted_(registry->GetCounter("opentrack_events_accepted_total",
                                            "Events made durable in the sink.")),
      endpoint_metrics_(std::make_unique<EndpointMetrics[]>(kEndpointLabels.size())) {
  for (const Source& source : options_.sources) {
    if (!source.write_key.empty()) source_by_key_.emplace(source.write_key, source.name);
  }
  default_source_ = options_.sources.empty() ? "default" : options_.sources.front().name;
}

void TrackingApi::Handle(http::Request request, http::Responder respond) {
  Call call{"unknown", false, "", clock_->Now()};
  const std::string& path = request.path;
  if (path == "/health") {
    call.endpoint = "health";
    if (!IsGet(request)) return Finish(call, MethodNotAllowed("GET"), respond);
    return Finish(call, http::Response::Json(200, "{\"status\":\"ok\"}"), respond);
  }
  if (path == "/ready") {
    call.endpoint = "ready";
    if (!IsGet(request)) return Finish(call, MethodNotAllowed("GET"), respond);
    bool ready = !options_.ready || options_.ready();
    return Finish(call,
                  ready ? http::Response::Json(200, "{\"status\":\"ready\"}")
                        : http::Response::Json(503, "{\"status\":\"not_ready\"}"),
                  respond);
  }
  if (path == "/metrics") {
    call.endpoint = "metrics";
    if (!IsGet(request)) return Finish(call, MethodNotAllowed("GET"), respond);
    http::Response response = http::Response::Text(200, registry_->RenderPrometheus());
    response.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return Finish(call, std::move(response), respond);
  }
  if (!path.starts_with("/v1/")) return Finish(call, NotFound(), respond);

  call.cors = true;
  call.origin = std::string(request.Header("Origin"));
  std::optional<Endpoint> endpoint = segment::EndpointFromPath(path);
  if (endpoint) call.endpoint = EndpointName(*endpoint);
  if (request.method == "OPTIONS") return Finish(call, PreflightResponse(request), respond);
  if (!endpoint) return Finish(call, NotFound(), respond);
  if (request.method != "POST") return Finish(call, MethodNotAllowed("POST, OPTIONS"), respond);
  HandleTrack(std::move(request), *endpoint, std::move(call), std::move(respond));
}

void TrackingApi::HandleTrack(http::Request request, Endpoint endpoint, Call call,
                              http::Responder respond) {
  bytes_received_.Increment(request.body.size());
  const int retry_after = options_.retry_after_seconds;
  // A compressed body larger than the decoded limit cannot be a valid batch.
  const size_t max_bytes = options_.limits.max_batch_bytes;
  if (request.body.size() > max_bytes) {
    return Finish(call,
                  ErrorResponse(400, "payload_too_large",
                                "body is " + std::to_string(request.body.size()) +
                                    " bytes; the limit is " + std::to_string(max_bytes) + " bytes"),
                  respond);
  }
  // A Basic key is checked before the body is even decoded.
  std::optional<std::string> basic_key = BasicAuthUser(request.Header("Authorization"));
  std::string source;
  if (basic_key && !FindSource(*basic_key, &source)) {
    return Finish(call, ErrorResponse(401, "invalid_write_key", "unknown write key"), respond);
  }
  absl::StatusOr<std::string> body =
      DecodeBody(std::move(request.body), request.Header("Content-Encoding"), max_bytes);
  if (!body.ok()) return Finish(call, StatusResponse(body.status(), retry_after), respond);
  bytes_decoded_.Increment(body->size());

  segment::RequestContext context{call.start, ClientIp(request),
                                  /*body_readable_after_end=*/body->capacity() - body->size()};
  // Only the decision is made here; the loader normalizes the body later
  // (ParseRequest, same context), off the request path.
  absl::StatusOr<segment::ValidatedRequest> validated =
      segment::ValidateRequest(*body, endpoint, context, options_.limits);
  if (!validated.ok()) {
    return Finish(call, StatusResponse(validated.status(), retry_after), respond);
  }
  if (!basic_key && !FindSource(validated->write_key, &source)) {
    std::string message = validated->write_key.empty()
                              ? "missing write key: send it as the HTTP Basic user name or as "
                                "writeKey in the body"
                              : "unknown write key";
    return Finish(call, ErrorResponse(401, "invalid_write_key", message), respond);
  }

  std::vector<segment::RejectedEvent> rejected = std::move(validated->rejected);
  for (const segment::RejectedEvent& event : rejected) {
    registry_
        ->GetCounter("opentrack_events_rejected_total", "Events rejected, by reason.",
                     {{"code", event.code}})
        .Increment();
  }
  const size_t accepted = validated->accepted;
  if (!rejected.empty() && (accepted == 0 || endpoint != Endpoint::kBatch)) {
    std::string code = rejected.front().code;
    std::string message = rejected.front().message;
    return Finish(call, ErrorResponse(400, code, message, rejected), respond);
  }
  if (accepted == 0) return Finish(call, SuccessResponse(0, rejected), respond);  // empty batch

  AcceptedRequest accepted_request{
      endpoint, call.start, std::move(context.client_ip), options_.limits, *std::move(body),
      accepted, {}};
  accepted_request.rejected_indexes.reserve(rejected.size());
  for (const segment::RejectedEvent& event : rejected) {
    accepted_request.rejected_indexes.push_back(event.index);
  }
  sink_->Append(source, std::move(accepted_request),
                [this, call = std::move(call), rejected = std::move(rejected), accepted,
                 retry_after, respond = std::move(respond)](absl::Status status) {
                  if (!status.ok()) {
                    return Finish(call, StatusResponse(status, retry_after), respond);
                  }
                  events_accepted_.Increment(accepted);
                  Finish(call, SuccessResponse(accepted, rejected), respond);
                });
}

bool TrackingApi::FindSource(std::string_view write_key, std::string* source) const {
  auto it = source_by_key_.find(absl::string_view(write_key.data(), write_key.size()));
  if (it != source_by_key_.end()) {
    *source = it->second;
    return true;
  }
  if (!options_.allow_any_write_key) return false;
  *source = default_source_;
  return true;
}

TrackingApi::EndpointMetrics* TrackingApi::MetricsFor(std::string_view endpoint) {
  for (size_t i = 0; i < kEndpointLabels.size(); ++i) {
    if (kEndpointLabels[i] == endpoint) return &endpoint_metrics_[i];
  }
  return nullptr;
}

// Racing first lookups get the same series from the registry, so a lost
// store is harmless.
metrics::Counter& TrackingApi::RequestsCounter(std::string_view endpoint, int status) {
  EndpointMetrics* cache = MetricsFor(endpoint);
  std::atomic<metrics::Counter*>* slot = nullptr;
  if (cache != nullptr && status >= kMinStatus && status <= kMaxStatus) {
    slot = &cache->requests[status - kMinStatus];
    if (metrics::Counter* counter = slot->load(std::memory_order_acquire)) return *counter;
  }
  metrics::Counter& counter = registry_->GetCounter(
      "opentrack_http_requests_total", "HTTP requests, by endpoint and status.",
      {{"endpoint", std::string(endpoint)}, {"status", std::to_string(status)}});
  if (slot != nullptr) slot->store(&counter, std::memory_order_release);
  return counter;
}

metrics::Histogram& TrackingApi::DurationHistogram(std::string_view endpoint) {
  EndpointMetrics* cache = MetricsFor(endpoint);
  if (cache != nullptr) {
    if (metrics::Histogram* histogram = cache->duration.load(std::memory_order_acquire)) {
      return *histogram;
    }
  }
  metrics::Histogram& histogram = registry_->GetHistogram(
      "opentrack_http_request_duration_seconds",
      "Time from request arrival to response, by endpoint.", {{"endpoint", std::string(endpoint)}});
  if (cache != nullptr) cache->duration.store(&histogram, std::memory_order_release);
  return histogram;
}

void TrackingApi::Finish(const Call& call, http::Response response,
                         const http::Responder& respond) {
  if (call.cors) AddCorsHeaders(call.origin, &response);
  RequestsCounter(call.endpoint, response.status).Increment();
  DurationHistogram(call.endpoint).Observe(absl::ToDoubleSeconds(clock_->Now() - call.start));
  respond(std::move(response));
}

}  // namespace opentrack::http_api
