#include "cli/bigquery_target.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "auth/default_credentials.h"
#include "bigquery/client_factory.h"
#include "http_client/curl_http_client.h"

namespace opentrack::cli {

absl::StatusOr<BigQueryTarget> OpenBigQueryTarget(const Config& config) {
  BigQueryTarget target;
  bigquery::ClientOptions options;
  if (config.UsesEmbeddedEmulator()) {
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create data directory ", config.data_dir, ": ", ec.message()));
    }
    emulator::EmulatorOptions eo;
    eo.database_path = config.EmulatorDatabase();
    auto emu = emulator::Emulator::Start(eo);
    if (!emu.ok()) return emu.status();
    target.embedded_emulator = *std::move(emu);
    options.emulator_host = absl::StrCat("127.0.0.1:", target.embedded_emulator->port());
    target.project_id = config.project_id.empty() ? kLocalProjectId : config.project_id;
    target.description = absl::StrCat("built-in BigQuery emulator at ", options.emulator_host,
                                      " (database ", eo.database_path, ")");
  } else if (!config.emulator_host.empty()) {
    options.emulator_host = config.emulator_host;
    target.project_id = config.project_id.empty() ? kLocalProjectId : config.project_id;
    target.description = absl::StrCat("BigQuery emulator at ", config.emulator_host);
  } else {
    auth::CredentialsConfig cc = auth::CredentialsConfig::FromEnvironment();
    cc.credentials_file = config.credentials_file;
    cc.credentials_json = config.credentials_json;
    cc.http = std::make_shared<http_client::CurlHttpClient>();
    auto credentials = auth::DefaultCredentials(cc);
    if (!credentials.ok()) return credentials.status();
    options.credentials = *std::move(credentials);
    target.project_id = config.project_id;
    target.description = absl::StrCat("BigQuery project ", config.project_id);
  }
  auto client = bigquery::MakeBigQueryClient(options);
  if (!client.ok()) return client.status();
  target.client = *std::move(client);
  return target;
}

}  // namespace opentrack::cli
