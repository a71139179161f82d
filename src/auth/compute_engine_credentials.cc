#include "auth/compute_engine_credentials.h"

#include <utility>

#include "auth/token_exchange.h"
#include "common/error_code.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::auth {

using http_client_internal::Cat;

ComputeEngineCredentials::ComputeEngineCredentials(std::string metadata_host,
                                                   std::shared_ptr<http_client::HttpClient> http,
                                                   Clock* clock)
    : CachingCredentials(clock), metadata_host_(std::move(metadata_host)), http_(std::move(http)) {}

absl::StatusOr<AccessToken> ComputeEngineCredentials::FetchToken(absl::Time now) {
  http_client::HttpRequest request;
  request.method = "GET";
  request.url =
      Cat("http://", metadata_host_, "/computeMetadata/v1/instance/service-accounts/default/token");
  request.headers = {{"Metadata-Flavor", "Google"}};
  return ExchangeToken(*http_, request, now, Cat("metadata server ", metadata_host_));
}

absl::Status ProbeMetadataServer(http_client::HttpClient& http, const std::string& metadata_host,
                                 absl::Duration timeout) {
  http_client::HttpRequest request;
  request.method = "GET";
  request.url = Cat("http://", metadata_host, "/computeMetadata/v1/");
  request.headers = {{"Metadata-Flavor", "Google"}};
  request.timeout = timeout;
  auto response = http.Send(request);
  if (!response.ok()) {
    return WithContext(response.status(), Cat("metadata server ", metadata_host));
  }
  if (response->Header("Metadata-Flavor") != "Google") {
    return absl::UnavailableError(Cat("metadata server ", metadata_host, " answered HTTP ",
                                      response->status, " without \"Metadata-Flavor: Google\""));
  }
  return absl::OkStatus();
}

}  // namespace opentrack::auth
