#include "emulator/service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "emulator/absl_compat.h"
#include "emulator/api_error.h"

namespace opentrack::emulator {
namespace {

constexpr size_t kMaxRequestBytes = 10485760;

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && absl::ascii_isxdigit(s[i + 1]) &&
        absl::ascii_isxdigit(s[i + 2])) {
      int v = 0;
      for (int k = 1; k <= 2; ++k) {
        const char c = s[i + k];
        v = v * 16 + (absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10);
      }
      out.push_back(static_cast<char>(v));
      i += 2;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Service>> Service::Create(EmulatorOptions options) {
  auto storage = Storage::Open(options.database_path);
  if (!storage.ok()) return storage.status();
  return std::unique_ptr<Service>(new Service(std::move(options), std::move(*storage)));
}

Service::Service(EmulatorOptions options, std::unique_ptr<Storage> storage)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : RealClock::Get()),
      faults_(options_.faults),
      rng_(options_.faults.seed),
      storage_(std::move(storage)) {
  Clock* clock = clock_;
  RegisterSqlFunctions(&storage_->db(), [clock] { return absl::ToUnixMicros(clock->Now()); });
  engine_ = std::make_unique<QueryEngine>(storage_.get());
}

void Service::SetFaults(const FaultOptions& faults) {
  absl::MutexLock lock(&faults_mu_);
  faults_ = faults;
  rng_.seed(faults.seed);
}

absl::Status Service::CheckFaults(const http::Request& request) {
  absl::Duration latency;
  absl::Status injected;
  {
    absl::MutexLock lock(&faults_mu_);
    latency = faults_.latency;
    const absl::Time now = Now();
    const std::string message = absl::StrCat("Injected fault: ", faults_.error_reason);
    if (now >= faults_.outage_start && now < faults_.outage_end) {
      injected = ApiError(faults_.error_code, faults_.error_reason, message);
    } else if (faults_.error_rate > 0 &&
               std::uniform_real_distribution<double>(0, 1)(rng_) < faults_.error_rate) {
      injected = ApiError(faults_.error_code, faults_.error_reason, message);
    }
  }
  if (latency > absl::ZeroDuration()) clock_->SleepFor(latency);
  if (!injected.ok()) return injected;
  if (options_.require_auth) {
    const std::string_view auth = request.Header("Authorization");
    if (auth.size() <= 7 || !absl::StartsWithIgnoreCase(AV(auth), "Bearer ")) {
      return ApiError(401, "unauthorized",
                      "Request is missing required authentication credential. Expected OAuth 2 "
                      "access token, login cookie or other valid authentication credential.");
    }
  }
  return absl::OkStatus();
}

http::Response Service::Handle(const http::Request& request) {
  absl::StatusOr<http::Response> response = [&]() -> absl::StatusOr<http::Response> {
    absl::Status fault = CheckFaults(request);
    if (!fault.ok()) return fault;
    Call call;
    call.request = &request;
    std::string_view path = request.path;
    for (std::string_view prefix :
         {"/resumable/upload/bigquery/v2", "/upload/bigquery/v2", "/bigquery/v2"}) {
      if (absl::StartsWith(AV(path), AV(prefix))) {
        call.upload = prefix != "/bigquery/v2";
        path.remove_prefix(prefix.size());
        break;
      }
    }
    if (!call.upload && request.body.size() > kMaxRequestBytes) {
      return ApiError(400, "badRequest", "Request payload size exceeds the limit: 10485760 bytes.");
    }
    std::vector<std::string> parts;
    for (absl::string_view p : absl::StrSplit(AV(path), '/', absl::SkipEmpty())) {
      parts.push_back(PercentDecode(std::string_view(p.data(), p.size())));
    }
    if (parts.size() < 2 || parts[0] != "projects") {
      return NotFound(absl::StrCat("Not found: URL ", request.path));
    }
    call.project = parts[1];
    call.segments.assign(parts.begin() + 2, parts.end());
    absl::MutexLock lock(&mu_);
    return Dispatch(call);
  }();
  if (response.ok()) return *std::move(response);
  const int code = HttpCodeOf(response.status());
  return http::Response::Json(code, ErrorBody(response.status()));
}

absl::StatusOr<http::Response> Service::Dispatch(const Call& call) {
  const std::string& method = call.request->method;
  const std::vector<std::string>& s = call.segments;
  auto unsupported = [&]() {
    return ApiError(404, "notFound", absl::StrCat("Not found: ", method, " ", call.request->path));
  };
  if (s.empty()) return unsupported();
  if (s[0] == "jobs") {
    if (s.size() == 1 && method == "POST") return InsertJob(call);
    if (s.size() == 1 && method == "PUT" && call.upload) return UploadChunk(call);
    if (s.size() == 2 && method == "GET") return GetJob(call, s[1]);
    if (s.size() == 3 && s[2] == "cancel" && method == "POST") {
      auto job = GetJob(call, s[1]);
      if (!job.ok()) return job.status();
      auto parsed = Json::Parse(job->body);
      Json out = Json::Object();
      out.Set("kind", Json::Str("bigquery#jobCancelResponse"));
      if (parsed.ok()) out.Set("job", std::move(*parsed));
      return http::Response::Json(200, out.Dump());
    }
    return unsupported();
  }
  if (s[0] == "queries") {
    if (s.size() == 1 && method == "POST") return Query(call);
    if (s.size() == 2 && method == "GET") return GetQueryResults(call, s[1]);
    return unsupported();
  }
  if (s[0] != "datasets") return unsupported();
  if (s.size() == 1) {
    if (method == "POST") return InsertDataset(call);
    if (method == "GET") return ListDatasets(call);
    return unsupported();
  }
  const std::string& dataset = s[1];
  if (s.size() == 2) {
    if (method == "GET") return GetDataset(call, dataset);
    if (method == "PATCH") return UpdateDataset(call, dataset, true);
    if (method == "PUT") return UpdateDataset(call, dataset, false);
    if (method == "DELETE") return DeleteDataset(call, dataset);
    return unsupported();
  }
  if (s[2] != "tables") return unsupported();
  if (s.size() == 3) {
    if (method == "POST") return InsertTable(call, dataset);
    if (method == "GET") return ListTables(call, dataset);
    return unsupported();
  }
  const TableRef ref{call.project, dataset, s[3]};
  if (s.size() == 4) {
    if (method == "GET") return GetTable(ref);
    if (method == "PATCH") return UpdateTable(call, ref, true);
    if (method == "PUT") return UpdateTable(call, ref, false);
    if (method == "DELETE") return DeleteTable(ref);
    return unsupported();
  }
  if (s.size() == 5 && s[4] == "insertAll" && method == "POST") return InsertAll(call, ref);
  if (s.size() == 5 && s[4] == "data" && method == "GET") return ListTableData(call, ref);
  return unsupported();
}

absl::Status Service::CountTableUpdate(const TableRef& ref) {
  if (!options_.enforce_quotas) return absl::OkStatus();
  if (table_updates_.Allow(absl::StrCat(ref.project, ":", ref.dataset, ".", ref.table), Now(),
                           options_.quotas.table_updates_per_window,
                           options_.quotas.update_window)) {
    return absl::OkStatus();
  }
  return ApiError(
      403, "rateLimitExceeded",
      "Exceeded rate limits: too many table update operations for this table. For "
      "more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas");
}

absl::Status Service::CountDatasetUpdate(const std::string& project, const std::string& dataset) {
  if (!options_.enforce_quotas) return absl::OkStatus();
  if (dataset_updates_.Allow(absl::StrCat(project, ":", dataset), Now(),
                             options_.quotas.dataset_updates_per_window,
                             options_.quotas.update_window)) {
    return absl::OkStatus();
  }
  return ApiError(403, "rateLimitExceeded",
                  "Exceeded rate limits: too many dataset metadata update operations for this "
                  "dataset. For more information, see "
                  "https://cloud.google.com/bigquery/docs/troubleshoot-quotas");
}

void Service::RecordMetadataChange(const TableRef& ref, bool existed, const Schema& previous) {
  absl::Duration delay;
  {
    absl::MutexLock lock(&faults_mu_);
    delay = faults_.new_column_visibility_delay;
  }
  if (delay <= absl::ZeroDuration()) return;
  const std::string key = ref.Display();
  auto it = lag_.find(key);
  // A change inside an open lag window keeps the older view of the table.
  if (it != lag_.end() && Now() < it->second.changed_at + delay) {
    it->second.changed_at = Now();
    return;
  }
  lag_[key] = LagEntry{Now(), existed, previous};
}

std::string Service::NewEtag() {
  // Opaque like BigQuery's; unique per change within a process and across
  // restarts (the time component).
  return absl::StrCat(absl::ToUnixMicros(absl::Now()), "-", ++etag_counter_);
}

std::string Service::MillisString(absl::Time t) const {
  return absl::StrCat(absl::ToUnixMillis(t));
}

}  // namespace opentrack::emulator
