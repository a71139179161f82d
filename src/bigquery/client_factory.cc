#include "bigquery/client_factory.h"

#include <utility>

#include "absl/status/status.h"
#include "bigquery/retrying_bigquery_client.h"
#include "http_client/curl_http_client.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::bigquery {

using http_client_internal::Cat;

absl::StatusOr<std::unique_ptr<BigQueryClient>> MakeBigQueryClient(const ClientOptions& options) {
  RestOptions rest = options.rest;
  rest.api_base = options.api_base;
  rest.upload_base = options.upload_base;
  rest.user_agent = options.user_agent;
  if (!options.emulator_host.empty()) {
    if (options.emulator_host.find("://") != std::string::npos) {
      return absl::InvalidArgumentError(
          Cat("BIGQUERY_EMULATOR_HOST must be host:port, got \"", options.emulator_host, "\""));
    }
    rest.api_base = Cat("http://", options.emulator_host, "/bigquery/v2");
    rest.upload_base = Cat("http://", options.emulator_host, "/upload/bigquery/v2");
  }
  while (!rest.api_base.empty() && rest.api_base.back() == '/') rest.api_base.pop_back();
  while (!rest.upload_base.empty() && rest.upload_base.back() == '/') rest.upload_base.pop_back();
  if (rest.api_base.empty() || rest.upload_base.empty()) {
    return absl::InvalidArgumentError("BigQuery api_base and upload_base must not be empty");
  }

  Clock* clock = options.clock != nullptr ? options.clock : RealClock::Get();
  std::shared_ptr<http_client::HttpClient> http = options.http;
  if (http == nullptr) {
    http_client::CurlHttpClientOptions curl;
    curl.user_agent = options.user_agent;
    http = std::make_shared<http_client::CurlHttpClient>(std::move(curl));
  }
  std::shared_ptr<auth::Credentials> credentials = options.credentials;
  if (credentials == nullptr) credentials = std::make_shared<auth::NoCredentials>();

  auto rest_client =
      std::make_unique<RestBigQueryClient>(std::move(rest), std::move(http), credentials, clock);
  auto policy = std::make_shared<RetryPolicy>(options.retry, clock, options.jitter);
  return std::unique_ptr<BigQueryClient>(
      std::make_unique<RetryingBigQueryClient>(std::move(rest_client), std::move(policy)));
}

}  // namespace opentrack::bigquery
