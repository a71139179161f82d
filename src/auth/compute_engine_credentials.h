// Credentials of the VM / GKE / Cloud Run service account, from the metadata
// server (spec 6.2 step 3).
#ifndef OPENTRACK_AUTH_COMPUTE_ENGINE_CREDENTIALS_H_
#define OPENTRACK_AUTH_COMPUTE_ENGINE_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "auth/credentials.h"
#include "http_client/http_client.h"

namespace opentrack::auth {

inline constexpr char kDefaultMetadataHost[] = "metadata.google.internal";

class ComputeEngineCredentials final : public CachingCredentials {
 public:
  // `metadata_host` is "host[:port]" (GCE_METADATA_HOST), without scheme.
  ComputeEngineCredentials(std::string metadata_host, std::shared_ptr<http_client::HttpClient> http,
                           Clock* clock);

 private:
  absl::StatusOr<AccessToken> FetchToken(absl::Time now) override;

  const std::string metadata_host_;
  const std::shared_ptr<http_client::HttpClient> http_;
};

// OK when a metadata server answers at `metadata_host` within `timeout` with
// the "Metadata-Flavor: Google" header; used by ADC before choosing it.
absl::Status ProbeMetadataServer(http_client::HttpClient& http, const std::string& metadata_host,
                                 absl::Duration timeout);

}  // namespace opentrack::auth

#endif  // OPENTRACK_AUTH_COMPUTE_ENGINE_CREDENTIALS_H_
