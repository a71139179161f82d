#include "http_client/curl_http_client.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::http_client {

using http_client_internal::Cat;
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// Collects headers of the final response: a new status line (after 100
// Continue or a redirect) starts the list over.
size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    headers->clear();
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  auto trim = [](std::string_view s) {
    absl::string_view t = absl::StripAsciiWhitespace(absl::string_view(s.data(), s.size()));
    return std::string(t.data(), t.size());
  };
  headers->emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  return size * n;
}

absl::Status TransportError(CURLcode code, const char* error_buffer, const HttpRequest& request) {
  std::string message = Cat(request.method, " ", request.url, ": ",
                            error_buffer[0] ? error_buffer : curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(message);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(message);
    default:
      return absl::UnavailableError(message);
  }
}

int64_t Millis(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

}  // namespace

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options) : options_(std::move(options)) {
  GlobalInitOnce();
}

CurlHttpClient::~CurlHttpClient() {
  absl::MutexLock lock(&mu_);
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* CurlHttpClient::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void CurlHttpClient::Release(void* handle) {
  {
    absl::MutexLock lock(&mu_);
    if (idle_.size() < options_.max_idle_handles) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

absl::StatusOr<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(Acquire());
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  // Reset clears options but keeps the connection cache, which is the point.
  curl_easy_reset(curl);

  HttpResponse response;
  char error_buffer[CURL_ERROR_SIZE];
  error_buffer[0] = '\0';
  curl_slist* header_list = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    if (absl::EqualsIgnoreCase(name, "Content-Type")) has_content_type = true;
    header_list = curl_slist_append(header_list, Cat(name, ": ", value).c_str());
  }
  // No "Expect: 100-continue" round trip, and no implicit form content type.
  header_list = curl_slist_append(header_list, "Expect:");
  if (!has_content_type) header_list = curl_slist_append(header_list, "Content-Type:");

  absl::Duration timeout =
      request.timeout > absl::ZeroDuration() ? request.timeout : options_.default_timeout;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(Millis(options_.connect_timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(Millis(timeout)));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(header_list);
  absl::Status error =
      code == CURLE_OK ? absl::OkStatus() : TransportError(code, error_buffer, request);
  Release(curl);
  if (!error.ok()) return error;
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace opentrack::http_client
