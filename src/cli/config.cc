#include "cli/config.h"

#include <cstdlib>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "simdjson.h"

namespace opentrack::cli {
namespace {

// What a spool request record's 16-bit length can hold.
constexpr size_t kMaxSourceNameBytes = 65535;

absl::StatusOr<bool> ParseBool(std::string_view name, std::string_view value) {
  const std::string v = absl::AsciiStrToLower(absl::string_view(value.data(), value.size()));
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(name), " must be true or false, got \"", std::string(value), "\""));
}

bool IsValidDatasetId(std::string_view id) {
  if (id.empty() || id.size() > 1024) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

absl::Status ValidateSources(const std::vector<SourceConfig>& sources) {
  if (sources.empty()) return absl::InvalidArgumentError("no sources configured");
  absl::flat_hash_set<std::string> names, keys;
  for (const SourceConfig& s : sources) {
    if (s.name.empty()) return absl::InvalidArgumentError("a source has no name");
    // Spool records carry the name: an event record ends it with '\n', and a
    // request record is told apart by its leading NUL (loader/spooled_*.h).
    if (s.name.find_first_of(std::string_view("\0\n", 2)) != std::string::npos ||
        s.name.size() > kMaxSourceNameBytes) {
      return absl::InvalidArgumentError(absl::StrCat("source name \"", absl::CEscape(s.name),
                                                     "\" must be at most ", kMaxSourceNameBytes,
                                                     " bytes, without NUL or newline"));
    }
    if (!IsValidDatasetId(s.dataset)) {
      return absl::InvalidArgumentError(
          absl::StrCat("source ", s.name, ": dataset \"", s.dataset,
                       "\" must be 1-1024 letters, digits or underscores"));
    }
    if (!names.insert(s.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate source name ", s.name));
    }
    if (!s.write_key.empty() && !keys.insert(s.write_key).second) {
      return absl::InvalidArgumentError(absl::StrCat("source ", s.name, " reuses a write key"));
    }
    if (s.write_key.empty() && sources.size() > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("source ", s.name, " has no write key; only a single source may omit it"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

absl::StatusOr<std::vector<SourceConfig>> ParseSourcesFile(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root)) {
    return absl::InvalidArgumentError(
        absl::StrCat("sources file is not valid JSON: ", simdjson::error_message(err)));
  }
  simdjson::dom::array list;
  if (root["sources"].get_array().get(list)) {
    return absl::InvalidArgumentError("sources file needs a \"sources\" array");
  }
  std::vector<SourceConfig> sources;
  for (simdjson::dom::element item : list) {
    SourceConfig s;
    std::string_view v;
    if (item["name"].get_string().get(v)) {
      return absl::InvalidArgumentError("every source needs a string \"name\"");
    }
    s.name = std::string(v);
    if (!item["write_key"].get_string().get(v)) s.write_key = std::string(v);
    if (item["dataset"].get_string().get(v)) {
      return absl::InvalidArgumentError(
          absl::StrCat("source ", s.name, " needs a string \"dataset\""));
    }
    s.dataset = std::string(v);
    sources.push_back(std::move(s));
  }
  if (absl::Status st = ValidateSources(sources); !st.ok()) return st;
  return sources;
}

absl::StatusOr<Config> ConfigFromEnv(const EnvLookup& env,
                                     std::optional<std::string_view> sources_file_text) {
  Config c;
  if (auto v = env("OPENTRACK_ADDRESS")) c.address = *v;
  if (auto v = env("PORT")) {
    uint32_t port;
    if (!absl::SimpleAtoi(*v, &port) || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("PORT must be 0-65535, got \"", *v, "\""));
    }
    c.port = static_cast<uint16_t>(port);
  }
  if (auto v = env("OPENTRACK_IO_THREADS")) {
    int threads;
    if (!absl::SimpleAtoi(*v, &threads) || threads < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("OPENTRACK_IO_THREADS must be a positive whole number, got \"", *v, "\""));
    }
    c.io_threads = threads;
  }
  if (auto v = env("OPENTRACK_DATA_DIR")) c.data_dir = *v;
  if (auto v = env("OPENTRACK_SPOOL_COMPRESSION")) {
    if (*v == "zstd") {
      c.spool_compression = SpoolCompression::kZstd;
    } else if (*v == "none") {
      c.spool_compression = SpoolCompression::kNone;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("OPENTRACK_SPOOL_COMPRESSION must be zstd or none, got \"", *v, "\""));
    }
  }
  if (auto v = env("OPENTRACK_SPOOL_ZSTD_LEVEL")) {
    // zstd's own bounds (ZSTD_minCLevel() and ZSTD_maxCLevel() in 1.5).
    int level;
    if (!absl::SimpleAtoi(*v, &level) || level < -131072 || level > 22) {
      return absl::InvalidArgumentError(absl::StrCat(
          "OPENTRACK_SPOOL_ZSTD_LEVEL must be a whole number from -131072 to 22, got \"", *v,
          "\""));
    }
    c.spool_zstd_level = level;
  }
  if (auto v = env("OPENTRACK_SPOOL_DIRECT_IO")) {
    auto b = ParseBool("OPENTRACK_SPOOL_DIRECT_IO", *v);
    if (!b.ok()) return b.status();
    c.spool_direct_io = *b;
  }
  if (auto v = env("BIGQUERY_PROJECT_ID")) c.project_id = *v;
  if (auto v = env("BIGQUERY_LOCATION")) c.location = *v;
  if (auto v = env("BIGQUERY_EMULATOR_HOST")) {
    // Accept "http://host:port" as the Python client documents it, and "host:port".
    std::string_view host = *v;
    if (host.substr(0, 7) == "http://") host.remove_prefix(7);
    while (!host.empty() && host.back() == '/') host.remove_suffix(1);
    c.emulator_host = std::string(host);
  }
  if (auto v = env("GOOGLE_APPLICATION_CREDENTIALS")) c.credentials_file = *v;
  if (auto v = env("GOOGLE_APPLICATION_CREDENTIALS_JSON")) c.credentials_json = *v;
  if (auto v = env("BIGQUERY_AUTO_TABLE_MANAGEMENT")) {
    auto b = ParseBool("BIGQUERY_AUTO_TABLE_MANAGEMENT", *v);
    if (!b.ok()) return b.status();
    c.auto_table_management = *b;
  }
  if (auto v = env("OPENTRACK_LOAD_MODE")) {
    if (*v == "streaming") {
      c.load_mode = LoadMode::kStreaming;
    } else if (*v == "load_jobs") {
      c.load_mode = LoadMode::kLoadJobs;
      c.batch_max_age = absl::Seconds(60);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("OPENTRACK_LOAD_MODE must be streaming or load_jobs, got \"", *v, "\""));
    }
  }
  if (auto v = env("OPENTRACK_BATCH_MAX_AGE_MS")) {
    int64_t ms;
    if (!absl::SimpleAtoi(*v, &ms) || ms < 0) {
      return absl::InvalidArgumentError("OPENTRACK_BATCH_MAX_AGE_MS must be a whole number");
    }
    c.batch_max_age = absl::Milliseconds(ms);
  }
  if (auto v = env("OPENTRACK_SHUTDOWN_GRACE_SECONDS")) {
    int64_t seconds;
    if (!absl::SimpleAtoi(*v, &seconds) || seconds < 0) {
      return absl::InvalidArgumentError("OPENTRACK_SHUTDOWN_GRACE_SECONDS must be a whole number");
    }
    c.shutdown_grace = absl::Seconds(seconds);
  }
  if (sources_file_text.has_value()) {
    auto sources = ParseSourcesFile(*sources_file_text);
    if (!sources.ok()) return sources.status();
    c.sources = *std::move(sources);
  } else {
    SourceConfig s{.name = "default",
                   .write_key = env("WRITE_KEY").value_or(""),
                   .dataset = env("BIGQUERY_DATASET").value_or("opentrack")};
    c.sources.push_back(std::move(s));
    if (absl::Status st = ValidateSources(c.sources); !st.ok()) return st;
  }
  return c;
}

}  // namespace opentrack::cli
