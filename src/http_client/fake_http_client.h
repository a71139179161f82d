// A scripted HttpClient for tests: records every request and answers from a
// queue of canned responses (or a handler), so callers' exact requests can be
// asserted without a network.
#ifndef OPENTRACK_HTTP_CLIENT_FAKE_HTTP_CLIENT_H_
#define OPENTRACK_HTTP_CLIENT_FAKE_HTTP_CLIENT_H_

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "http_client/http_client.h"

namespace opentrack::http_client {

class FakeHttpClient : public HttpClient {
 public:
  using Handler = std::function<absl::StatusOr<HttpResponse>(const HttpRequest&)>;

  // Queues one answer; answers are consumed in order.
  void Push(absl::StatusOr<HttpResponse> response);
  void Push(int status, std::string body, Headers headers = {});
  // Used once the queue is empty.
  void SetHandler(Handler handler);

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

  std::vector<HttpRequest> requests();
  size_t pending();

 private:
  absl::Mutex mu_;
  std::deque<absl::StatusOr<HttpResponse>> queue_ ABSL_GUARDED_BY(mu_);
  Handler handler_ ABSL_GUARDED_BY(mu_);
  std::vector<HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opentrack::http_client

#endif  // OPENTRACK_HTTP_CLIENT_FAKE_HTTP_CLIENT_H_
