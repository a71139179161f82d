// HttpClient over libcurl. Easy handles are pooled and reused so keep-alive
// connections, DNS and TLS sessions survive across requests.
#ifndef OPENTRACK_HTTP_CLIENT_CURL_HTTP_CLIENT_H_
#define OPENTRACK_HTTP_CLIENT_CURL_HTTP_CLIENT_H_

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http_client/http_client.h"

namespace opentrack::http_client {

struct CurlHttpClientOptions {
  absl::Duration connect_timeout = absl::Seconds(10);
  // Used when a request's own timeout is zero.
  absl::Duration default_timeout = absl::Seconds(120);
  std::string user_agent = "opentrack-bq";
  // Idle easy handles kept for reuse; extra ones are closed.
  size_t max_idle_handles = 16;
};

// Thread-safe: each Send borrows an idle handle (or makes one) for its duration.
class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  void* Acquire();
  void Release(void* handle);

  const CurlHttpClientOptions options_;
  absl::Mutex mu_;
  std::vector<void*> idle_ ABSL_GUARDED_BY(mu_);  // CURL* easy handles
};

}  // namespace opentrack::http_client

#endif  // OPENTRACK_HTTP_CLIENT_CURL_HTTP_CLIENT_H_
