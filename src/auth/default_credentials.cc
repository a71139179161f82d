#include "auth/default_credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "auth/authorized_user_credentials.h"
#include "auth/compute_engine_credentials.h"
#include "auth/json_fields.h"
#include "auth/service_account_credentials.h"
#include "common/error_code.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::auth {

using http_client_internal::Cat;
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view source) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat(source, ": cannot open the file"));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return absl::DataLossError(Cat(source, ": read failed"));
  return content.str();
}

bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

Clock* ClockOf(const CredentialsConfig& config) {
  return config.clock != nullptr ? config.clock : RealClock::Get();
}

}  // namespace

CredentialsConfig CredentialsConfig::FromEnvironment() {
  CredentialsConfig config;
  config.credentials_json = Env("GOOGLE_APPLICATION_CREDENTIALS_JSON");
  config.credentials_file = Env("GOOGLE_APPLICATION_CREDENTIALS");
  config.gcloud_config_dir = Env("CLOUDSDK_CONFIG");
  config.home = Env("HOME");
  // GCE_METADATA_ROOT is the older name Google's libraries still honour.
  for (const char* name : {"GCE_METADATA_HOST", "GCE_METADATA_ROOT"}) {
    if (std::string host = Env(name); !host.empty()) {
      config.metadata_host = host;
      break;
    }
  }
  return config;
}

absl::StatusOr<std::shared_ptr<Credentials>> CredentialsFromJson(std::string_view json,
                                                                 std::string_view source,
                                                                 const CredentialsConfig& config) {
  if (config.http == nullptr) return absl::InvalidArgumentError("CredentialsConfig.http is null");
  simdjson::dom::parser parser;
  auto object = auth_internal::ParseObject(parser, json, source);
  if (!object.ok()) return object.status();
  std::string type = auth_internal::OptionalString(*object, "type", "");
  if (type == "service_account") {
    auto key = ParseServiceAccountKey(json, source);
    if (!key.ok()) return key.status();
    if (!config.token_uri_override.empty()) key->token_uri = config.token_uri_override;
    auto credentials = ServiceAccountCredentials::Create(*std::move(key), config.http,
                                                         ClockOf(config), config.scope);
    if (!credentials.ok()) return WithContext(credentials.status(), source);
    return std::shared_ptr<Credentials>(*std::move(credentials));
  }
  if (type == "authorized_user") {
    auto info = ParseAuthorizedUser(json, source);
    if (!info.ok()) return info.status();
    if (!config.token_uri_override.empty()) info->token_uri = config.token_uri_override;
    return std::shared_ptr<Credentials>(std::make_shared<AuthorizedUserCredentials>(
        *std::move(info), config.http, ClockOf(config)));
  }
  return absl::InvalidArgumentError(
      Cat(source, ": field \"type\" is \"", type,
          "\"; supported credential types are \"service_account\" and \"authorized_user\""));
}

absl::StatusOr<std::shared_ptr<Credentials>> DefaultCredentials(const CredentialsConfig& config) {
  if (config.http == nullptr) return absl::InvalidArgumentError("CredentialsConfig.http is null");
  if (!config.credentials_json.empty()) {
    return CredentialsFromJson(config.credentials_json, "GOOGLE_APPLICATION_CREDENTIALS_JSON",
                               config);
  }
  if (!config.credentials_file.empty()) {
    std::string source = Cat("GOOGLE_APPLICATION_CREDENTIALS file ", config.credentials_file);
    auto json = ReadFile(config.credentials_file, source);
    if (!json.ok()) return json.status();
    return CredentialsFromJson(*json, source, config);
  }
  std::string dir = !config.gcloud_config_dir.empty() ? config.gcloud_config_dir
                    : !config.home.empty()            ? Cat(config.home, "/.config/gcloud")
                                                      : std::string();
  if (!dir.empty()) {
    std::string path = Cat(dir, "/application_default_credentials.json");
    if (FileExists(path)) {
      std::string source = Cat("gcloud credentials file ", path);
      auto json = ReadFile(path, source);
      if (!json.ok()) return json.status();
      return CredentialsFromJson(*json, source, config);
    }
  }
  absl::Status probe = absl::UnavailableError("metadata server lookup disabled");
  if (config.use_metadata_server) {
    probe = ProbeMetadataServer(*config.http, config.metadata_host, config.metadata_probe_timeout);
    if (probe.ok()) {
      return std::shared_ptr<Credentials>(std::make_shared<ComputeEngineCredentials>(
          config.metadata_host, config.http, ClockOf(config)));
    }
  }
  return absl::FailedPreconditionError(
      Cat("no Google credentials found: set GOOGLE_APPLICATION_CREDENTIALS_JSON or "
          "GOOGLE_APPLICATION_CREDENTIALS, run `gcloud auth application-default login`, or run on "
          "GCP (",
          probe.message(), ")"));
}

}  // namespace opentrack::auth
