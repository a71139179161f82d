// Application Default Credentials (spec 6.2): pick the first credentials
// source that is configured, in Google's order, from explicit values.
#ifndef OPENTRACK_AUTH_DEFAULT_CREDENTIALS_H_
#define OPENTRACK_AUTH_DEFAULT_CREDENTIALS_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/compute_engine_credentials.h"
#include "auth/credentials.h"
#include "common/clock.h"
#include "http_client/http_client.h"

namespace opentrack::auth {

// Every input of the ADC search, so tests never touch the environment.
struct CredentialsConfig {
  std::string credentials_json;   // GOOGLE_APPLICATION_CREDENTIALS_JSON: the key itself
  std::string credentials_file;   // GOOGLE_APPLICATION_CREDENTIALS: a path
  std::string gcloud_config_dir;  // CLOUDSDK_CONFIG; empty: $HOME/.config/gcloud
  std::string home;               // HOME
  std::string metadata_host = kDefaultMetadataHost;  // GCE_METADATA_HOST
  std::string token_uri_override;                    // replaces the token_uri of key files (tests)
  bool use_metadata_server = true;
  absl::Duration metadata_probe_timeout = absl::Seconds(2);
  std::string scope = kBigQueryScope;
  std::shared_ptr<http_client::HttpClient> http;  // required
  Clock* clock = nullptr;                         // null: RealClock

  // Reads the variables named above from the process environment.
  static CredentialsConfig FromEnvironment();
};

// Order: credentials_json, credentials_file (unreadable or malformed: error,
// no fall-through), the gcloud well-known file if it exists, then the
// metadata server if a probe answers. Nothing found: FailedPrecondition.
absl::StatusOr<std::shared_ptr<Credentials>> DefaultCredentials(const CredentialsConfig& config);

// Builds credentials from a key file's JSON ("service_account" or
// "authorized_user"); `source` names it in errors.
absl::StatusOr<std::shared_ptr<Credentials>> CredentialsFromJson(std::string_view json,
                                                                 std::string_view source,
                                                                 const CredentialsConfig& config);

}  // namespace opentrack::auth

#endif  // OPENTRACK_AUTH_DEFAULT_CREDENTIALS_H_
