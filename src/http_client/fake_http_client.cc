#include "http_client/fake_http_client.h"

#include <utility>

#include "absl/status/status.h"

namespace opentrack::http_client {

void FakeHttpClient::Push(absl::StatusOr<HttpResponse> response) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(response));
}

void FakeHttpClient::Push(int status, std::string body, Headers headers) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  Push(absl::StatusOr<HttpResponse>(std::move(response)));
}

void FakeHttpClient::SetHandler(Handler handler) {
  absl::MutexLock lock(&mu_);
  handler_ = std::move(handler);
}

absl::StatusOr<HttpResponse> FakeHttpClient::Send(const HttpRequest& request) {
  Handler handler;
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    if (!queue_.empty()) {
      auto response = std::move(queue_.front());
      queue_.pop_front();
      return response;
    }
    handler = handler_;
  }
  if (handler) return handler(request);
  return absl::InternalError("FakeHttpClient: no scripted response for " + request.method + " " +
                             request.url);
}

std::vector<HttpRequest> FakeHttpClient::requests() {
  absl::MutexLock lock(&mu_);
  return requests_;
}

size_t FakeHttpClient::pending() {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

}  // namespace opentrack::http_client
