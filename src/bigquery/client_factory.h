// Builds the production BigQueryClient stack: Rest, then Retrying.
#ifndef OPENTRACK_BIGQUERY_CLIENT_FACTORY_H_
#define OPENTRACK_BIGQUERY_CLIENT_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "auth/credentials.h"
#include "bigquery/bigquery_client.h"
#include "bigquery/rest_bigquery_client.h"
#include "bigquery/retry_policy.h"
#include "common/clock.h"
#include "http_client/http_client.h"

namespace opentrack::bigquery {

struct ClientOptions {
  std::string api_base = kDefaultApiBase;
  std::string upload_base = kDefaultUploadBase;
  // "host:port" of an emulator (BIGQUERY_EMULATOR_HOST); when set it replaces
  // both bases with http://host:port/bigquery/v2 and .../upload/bigquery/v2.
  std::string emulator_host;
  std::shared_ptr<auth::Credentials> credentials;  // null: NoCredentials
  std::shared_ptr<http_client::HttpClient> http;   // null: a CurlHttpClient
  Clock* clock = nullptr;                          // null: RealClock
  RetryOptions retry;
  JitterSource jitter;  // null: randomly seeded
  std::string user_agent = "opentrack-bq/0.1";
  // Everything else of the REST layer (timeouts, upload sizes, job polling);
  // api_base, upload_base and user_agent above win over its copies.
  RestOptions rest;
};

absl::StatusOr<std::unique_ptr<BigQueryClient>> MakeBigQueryClient(const ClientOptions& options);

}  // namespace opentrack::bigquery

#endif  // OPENTRACK_BIGQUERY_CLIENT_FACTORY_H_
