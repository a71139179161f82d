// An in-memory EventSink for tests: records every Append and either answers
// at once with a chosen status or holds the callbacks for the test to run.
// Tests read a sunk request's events as the loader will see them: normalized
// with segment::ParseRequest in the request's own context.
#ifndef OPENTRACK_HTTP_API_FAKE_EVENT_SINK_H_
#define OPENTRACK_HTTP_API_FAKE_EVENT_SINK_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "http_api/event_sink.h"
#include "segment/request_parser.h"

namespace opentrack::http_api {

class FakeEventSink final : public EventSink {
 public:
  struct Call {
    std::string source;
    AcceptedRequest request;
    // The request's accepted events, normalized (random messageIds where
    // the body has none). Empty if ParseRequest fails, which it must not.
    std::vector<segment::AcceptedEvent> events() const {
      segment::RequestContext context{request.received_at, request.client_ip};
      absl::StatusOr<segment::ParsedRequest> parsed =
          segment::ParseRequest(request.body, request.endpoint, context, request.limits);
      if (!parsed.ok()) return {};
      return std::move(parsed->accepted);
    }
  };

  void Append(std::string_view source, AcceptedRequest request,
              std::function<void(absl::Status)> done) override {
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      appends_.push_back(Call{std::string(source), std::move(request)});
      if (hold_) {
        held_.push_back(std::move(done));
        return;
      }
      status = status_;
    }
    done(status);
  }

  // Every later Append answers `status` immediately.
  void SetStatus(absl::Status status) {
    absl::MutexLock lock(&mu_);
    status_ = std::move(status);
  }
  // Every later Append keeps its callback until ReleaseAll().
  void Hold() {
    absl::MutexLock lock(&mu_);
    hold_ = true;
  }
  // Runs the held callbacks with `status`; returns how many ran.
  size_t ReleaseAll(absl::Status status = absl::OkStatus()) {
    std::vector<std::function<void(absl::Status)>> held;
    {
      absl::MutexLock lock(&mu_);
      held.swap(held_);
    }
    for (auto& done : held) done(status);
    return held.size();
  }

  std::vector<Call> appends() {
    absl::MutexLock lock(&mu_);
    return appends_;
  }

 private:
  absl::Mutex mu_;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::function<void(absl::Status)>> held_ ABSL_GUARDED_BY(mu_);
  std::vector<Call> appends_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opentrack::http_api

#endif  // OPENTRACK_HTTP_API_FAKE_EVENT_SINK_H_
