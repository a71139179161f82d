// jobs.insert (metadata, multipart and resumable uploads), jobs.get and
// load-job execution (rules 29-34).
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/uuid.h"
#include "emulator/absl_compat.h"
#include "emulator/api_error.h"
#include "emulator/service.h"
#include "emulator/service_util.h"

namespace opentrack::emulator {

using internal::JsonResponse;
using internal::ParseBody;

namespace {

// Splits a multipart/related body into its parts' bodies.
absl::StatusOr<std::vector<std::string>> MultipartParts(std::string_view content_type,
                                                        std::string_view body) {
  const std::string type = absl::AsciiStrToLower(AV(content_type));
  const size_t b = type.find("boundary=");
  if (!absl::StartsWith(type, "multipart/") || b == std::string::npos) {
    return Invalid("Media upload with uploadType=multipart requires a multipart/related body.");
  }
  std::string boundary(content_type.substr(b + 9));
  boundary = boundary.substr(0, boundary.find(';'));
  if (boundary.size() >= 2 && boundary.front() == '"')
    boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delimiter = "--" + boundary;
  std::vector<std::string> parts;
  size_t pos = body.find(delimiter);
  while (pos != std::string_view::npos) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") break;
    const size_t next = body.find(delimiter, pos);
    if (next == std::string_view::npos) break;
    std::string_view part = body.substr(pos, next - pos);
    size_t header_end = part.find("\r\n\r\n");
    size_t skip = 4;
    if (header_end == std::string_view::npos) {
      header_end = part.find("\n\n");
      skip = 2;
    }
    if (header_end == std::string_view::npos) return Invalid("Malformed multipart body.");
    std::string_view content = part.substr(header_end + skip);
    if (absl::EndsWith(AV(content), "\r\n")) {
      content.remove_suffix(2);
    } else if (absl::EndsWith(AV(content), "\n")) {
      content.remove_suffix(1);
    }
    parts.emplace_back(content);
    pos = next;
  }
  if (parts.size() < 2) return Invalid("Multipart upload needs a metadata part and a media part.");
  return parts;
}

}  // namespace

absl::StatusOr<http::Response> Service::InsertJob(const Call& call) {
  const http::Request& req = *call.request;
  const std::string upload_type = req.QueryParam("uploadType");
  if (!call.upload) {
    auto body = ParseBody(req.body);
    if (!body.ok()) return body.status();
    auto job = RunJob(call.project, *std::move(body), nullptr);
    if (!job.ok()) return job.status();
    return JsonResponse(*job);
  }
  if (upload_type == "multipart") {
    auto parts = MultipartParts(req.Header("Content-Type"), req.body);
    if (!parts.ok()) return parts.status();
    auto body = ParseBody((*parts)[0]);
    if (!body.ok()) return body.status();
    auto job = RunJob(call.project, *std::move(body), &(*parts)[1]);
    if (!job.ok()) return job.status();
    return JsonResponse(*job);
  }
  if (upload_type == "resumable") {
    auto body = ParseBody(req.body);
    if (!body.ok()) return body.status();
    const std::string upload_id = NewUuid();
    uploads_[upload_id] = UploadSession{call.project, *std::move(body), ""};
    std::string host(req.Header("Host"));
    if (host.empty()) host = "127.0.0.1";
    http::Response response{200, {}, ""};
    response.SetHeader("Location",
                       absl::StrCat("http://", host, "/upload/bigquery/v2/projects/", call.project,
                                    "/jobs?uploadType=resumable&upload_id=", upload_id));
    response.SetHeader("X-GUploader-UploadID", upload_id);
    return response;
  }
  return Invalid(
      absl::StrCat("Unsupported uploadType: \"", upload_type, "\"; use multipart or resumable."));
}

absl::StatusOr<http::Response> Service::UploadChunk(const Call& call) {
  const http::Request& req = *call.request;
  const std::string upload_id = req.QueryParam("upload_id");
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end()) {
    return NotFound(absl::StrCat("Not found: upload session ", upload_id));
  }
  UploadSession& session = it->second;
  // Content-Range: "bytes a-b/total", "bytes */total", "bytes a-b/*" or absent.
  const std::string range(req.Header("Content-Range"));
  int64_t total = -1;
  bool status_query = false;
  if (!range.empty()) {
    const size_t slash = range.find('/');
    if (slash != std::string::npos && range.substr(slash + 1) != "*") {
      total = std::atoll(range.c_str() + slash + 1);
    }
    status_query = absl::StrContains(range, "*/");
    const size_t space = range.find(' ');
    if (!status_query && space != std::string::npos) {
      const int64_t first = std::atoll(range.c_str() + space + 1);
      if (first != static_cast<int64_t>(session.data.size())) {
        // Only the bytes after what we hold are appended.
        if (first < static_cast<int64_t>(session.data.size())) {
          session.data.resize(first);
        } else {
          return Invalid("Upload chunk does not continue the received bytes.");
        }
      }
    }
  } else {
    total = static_cast<int64_t>(session.data.size() + req.body.size());
  }
  if (!status_query) session.data.append(req.body);
  if (total < 0 || static_cast<int64_t>(session.data.size()) < total) {
    http::Response response{308, {}, ""};
    if (!session.data.empty()) {
      response.SetHeader("Range", absl::StrCat("bytes=0-", session.data.size() - 1));
    }
    return response;
  }
  UploadSession done = std::move(session);
  uploads_.erase(it);
  auto job = RunJob(done.project, std::move(done.job), &done.data);
  if (!job.ok()) return job.status();
  return JsonResponse(*job);
}

absl::Status Service::CheckJobLocation(const Json& job, const http::Request& request) {
  const Json* ref = job.Find("jobReference");
  const std::string job_location = ref != nullptr ? ref->GetString("location") : "US";
  const std::string asked = request.QueryParam("location");
  const bool us = absl::EqualsIgnoreCase(job_location, "US");
  if ((asked.empty() && us) || absl::EqualsIgnoreCase(AV(asked), job_location)) {
    return absl::OkStatus();
  }
  return NotFound(absl::StrCat("Not found: Job ", ref != nullptr ? ref->GetString("projectId") : "",
                               ":", ref != nullptr ? ref->GetString("jobId") : ""));
}

absl::StatusOr<http::Response> Service::GetJob(const Call& call, const std::string& job_id) {
  auto job = storage_->GetJob(call.project, job_id);
  if (!job.ok()) return job.status();
  absl::Status s = CheckJobLocation(*job, *call.request);
  if (!s.ok()) return s;
  return JsonResponse(*job);
}

absl::StatusOr<Json> Service::RunJob(const std::string& project, Json job,
                                     const std::string* data) {
  Json* ref = job.Find("jobReference");
  if (ref == nullptr) ref = &job.Set("jobReference", Json::Object());
  std::string job_id = ref->GetString("jobId");
  if (job_id.empty()) job_id = "job_" + NewUuid();
  absl::Status s = ValidateJobId(job_id);
  if (!s.ok()) return s;
  std::string location = ref->GetString("location");
  if (location.empty()) location = "US";
  ref->Set("projectId", Json::Str(project));
  ref->Set("jobId", Json::Str(job_id));
  ref->Set("location", Json::Str(location));
  if (storage_->GetJob(project, job_id).ok()) {
    return Duplicate(absl::StrCat("Already Exists: Job ", project, ":", job_id));
  }
  const Json* config = job.Find("configuration");
  const Json* load = config != nullptr ? config->Find("load") : nullptr;
  const Json* query = config != nullptr ? config->Find("query") : nullptr;
  if (load == nullptr && query == nullptr) {
    return ApiError(501, "notImplemented", "The emulator implements only load and query jobs.");
  }
  if (load != nullptr && data == nullptr) {
    return Invalid(
        "Load jobs from Cloud Storage URIs are not supported by the emulator; upload "
        "the data with uploadType=multipart or resumable.");
  }
  if (load != nullptr) {
    const Json* dest = load->Find("destinationTable");
    if (dest == nullptr) return Invalid("Required parameter is missing: destinationTable");
    const TableRef target{
        dest->GetString("projectId").empty() ? project : dest->GetString("projectId"),
        dest->GetString("datasetId"), dest->GetString("tableId")};
    if (options_.enforce_quotas &&
        !load_jobs_.Allow(target.Display(), Now(), options_.quotas.load_jobs_per_table_per_day,
                          absl::Hours(24), /*count_rejected=*/true)) {
      return ApiError(403, "quotaExceeded",
                      absl::StrCat("Quota exceeded: Your table exceeded quota for imports or "
                                   "query appends per table. Table: ",
                                   target.Display()));
    }
    s = CountTableUpdate(target);
    if (!s.ok()) return s;
  }
  const std::string now = MillisString(Now());
  job.Set("kind", Json::Str("bigquery#job"));
  job.Set("id", Json::Str(absl::StrCat(project, ":", location, ".", job_id)));
  job.Set("user_email", Json::Str("emulator@opentrack.local"));
  Json* configuration = job.Find("configuration");
  configuration->Set("jobType", Json::Str(load != nullptr ? "LOAD" : "QUERY"));
  Json status = Json::Object();
  status.Set("state", Json::Str("RUNNING"));
  job.Set("status", status);
  s = storage_->InsertJob(project, job_id, job);
  if (!s.ok()) return s;

  Json statistics = Json::Object();
  statistics.Set("creationTime", Json::Str(now));
  statistics.Set("startTime", Json::Str(now));
  Json errors = Json::Array();
  absl::Status outcome;
  if (load != nullptr) {
    Json load_copy = *configuration->Find("load");
    outcome = RunLoad(project, load_copy, *data, &statistics, &errors);
  } else {
    Json query_config = *configuration->Find("query");
    auto result = RunQuery(project, query_config);
    Json query_stats = Json::Object();
    if (result.ok()) {
      query_stats.Set("statementType", Json::Str(result->statement_type));
      query_stats.Set("totalBytesProcessed", Json::Str("0"));
      if (!result->ddl_operation.empty()) {
        query_stats.Set("ddlOperationPerformed", Json::Str(result->ddl_operation));
      }
      if (result->ddl_target) {
        Json t = Json::Object();
        t.Set("projectId", Json::Str(result->ddl_target->project));
        t.Set("datasetId", Json::Str(result->ddl_target->dataset));
        t.Set("tableId", Json::Str(result->ddl_target->table));
        query_stats.Set("ddlTargetTable", std::move(t));
      }
      results_[absl::StrCat(project, "/", job_id)] = *std::move(result);
    } else {
      outcome = result.status();
    }
    statistics.Set("query", std::move(query_stats));
  }
  statistics.Set("endTime", Json::Str(MillisString(Now())));
  job.Set("statistics", std::move(statistics));
  status = Json::Object();
  status.Set("state", Json::Str("DONE"));
  if (!outcome.ok()) {
    Json error = Json::Object();
    error.Set("reason", Json::Str(ReasonOf(outcome)));
    error.Set("message", Json::Str(std::string(outcome.message())));
    status.Set("errorResult", error);
    Json all = Json::Array();
    all.Push(error);
    for (const Json& e : errors.items()) all.Push(e);
    status.Set("errors", std::move(all));
  }
  job.Set("status", std::move(status));
  s = storage_->UpdateJob(project, job_id, job);
  if (!s.ok()) return s;
  return job;
}

absl::Status Service::RunLoad(const std::string& project, const Json& load, const std::string& data,
                              Json* statistics, Json* errors) {
  const Json* dest = load.Find("destinationTable");
  const TableRef ref{dest->GetString("projectId").empty() ? project : dest->GetString("projectId"),
                     dest->GetString("datasetId"), dest->GetString("tableId")};
  std::string format = load.GetString("sourceFormat");
  if (format != "NEWLINE_DELIMITED_JSON") {
    return Invalid(absl::StrCat("Source format ", format.empty() ? "CSV" : format,
                                " is not supported by the emulator; use NEWLINE_DELIMITED_JSON."));
  }
  std::string write = load.GetString("writeDisposition");
  if (write.empty()) write = "WRITE_APPEND";
  std::string create = load.GetString("createDisposition");
  if (create.empty()) create = "CREATE_IF_NEEDED";
  LoadSchemaOptions schema_options;
  if (const Json* opts = load.Find("schemaUpdateOptions"); opts != nullptr && opts->is_array()) {
    for (const Json& o : opts->items()) {
      if (o.text() == "ALLOW_FIELD_ADDITION") schema_options.allow_field_addition = true;
      if (o.text() == "ALLOW_FIELD_RELAXATION") schema_options.allow_field_relaxation = true;
    }
  }
  std::optional<Schema> provided;
  if (const Json* schema = load.Find("schema")) {
    auto parsed = ParseSchema(*schema);
    if (!parsed.ok()) return parsed.status();
    provided = std::move(*parsed);
  }
  auto table = storage_->GetTable(ref);
  if (!table.ok()) {
    if (HttpCodeOf(table.status()) != 404 || !storage_->GetDataset(ref.project, ref.dataset).ok()) {
      return table.status();
    }
    if (create == "CREATE_NEVER") return table.status();
    if (!provided) return Invalid("No schema specified on job or table.");
  }
  Schema target = provided ? *provided : table->schema;
  if (table.ok()) {
    if (table->is_view()) return Invalid(absl::StrCat("Cannot load into a view: ", ref.Display()));
    if (write == "WRITE_EMPTY") {
      auto rows = storage_->CountRows(*table);
      if (rows.ok() && *rows > 0) {
        return Duplicate(absl::StrCat("Already Exists: Table ", ref.Display()));
      }
    }
    if (provided && write != "WRITE_TRUNCATE") {
      auto merged = ApplyLoadSchema(table->schema, *provided, schema_options, ref.Display());
      if (!merged.ok()) return merged.status();
      target = std::move(*merged);
    }
  }
  const bool ignore_unknown = load.GetBool("ignoreUnknownValues", false);
  const int64_t max_bad = load.GetInt("maxBadRecords").value_or(0);
  std::vector<StoredRow> rows;
  int64_t bad = 0, total = 0;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string::npos) end = data.size();
    std::string_view line(data.data() + pos, end - pos);
    const size_t line_start = pos;
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    ++total;
    std::vector<RowError> row_errors;
    StoredRow row;
    auto json = Json::Parse(line);
    if (!json.ok()) {
      row_errors.push_back({"", "Parser terminated before end of string"});
    } else {
      ConvertRow(target, *json, ignore_unknown, &row, &row_errors);
    }
    if (row_errors.empty()) {
      rows.push_back(std::move(row));
      continue;
    }
    ++bad;
    for (const RowError& e : row_errors) {
      Json err = Json::Object();
      err.Set("reason", Json::Str("invalid"));
      err.Set("message",
              Json::Str(absl::StrCat("Error while reading data, error message: JSON parsing error "
                                     "in row starting at position ",
                                     line_start, ": ", e.message)));
      if (!e.location.empty()) err.Set("location", Json::Str(e.location));
      errors->Push(std::move(err));
    }
  }
  if (bad > max_bad) {
    return Invalid(absl::StrCat(
        "Error while reading data, error message: JSON table encountered too many errors, "
        "giving up. Rows: ",
        total, "; errors: ", bad, ". Please look into the errors[] collection for more details."));
  }
  absl::Status s = storage_->Begin();
  if (!s.ok()) return s;
  auto fail = [this](absl::Status status) {
    storage_->Rollback();
    return status;
  };
  TableRecord record;
  if (!table.ok()) {
    Json resource = Json::Object();
    resource.Set("schema", SchemaToJson(target));
    if (const Json* tp = load.Find("timePartitioning")) resource.Set("timePartitioning", *tp);
    auto created = CreateTableRecord(ref, std::move(resource), /*count_quota=*/false);
    if (!created.ok()) return fail(created.status());
    record = *std::move(created);
  } else {
    record = *std::move(table);
    const bool schema_changed = SchemaToJson(record.schema).Dump() != SchemaToJson(target).Dump();
    record.schema = target;
    record.resource.Set("schema", SchemaToJson(target));
    if (schema_changed) {
      record.resource.Set("etag", Json::Str(NewEtag()));
      record.resource.Set("lastModifiedTime", Json::Str(MillisString(Now())));
    }
    s = storage_->UpdateTable(record);
    if (s.ok() && (write == "WRITE_TRUNCATE" || write == "WRITE_TRUNCATE_DATA")) {
      s = storage_->ResetData(record);
    }
    if (!s.ok()) return fail(s);
  }
  const absl::CivilDay day(absl::ToCivilSecond(Now(), absl::UTCTimeZone()));
  s = storage_->InsertRows(record, rows,
                           absl::ToUnixMicros(absl::FromCivil(day, absl::UTCTimeZone())));
  if (!s.ok()) return fail(s);
  s = storage_->Commit();
  if (!s.ok()) return fail(s);
  Json stats = Json::Object();
  stats.Set("inputFiles", Json::Str("1"));
  stats.Set("inputFileBytes", Json::Str(absl::StrCat(data.size())));
  stats.Set("outputRows", Json::Str(absl::StrCat(rows.size())));
  stats.Set("outputBytes", Json::Str("0"));
  stats.Set("badRecords", Json::Str(absl::StrCat(bad)));
  statistics->Set("load", std::move(stats));
  return absl::OkStatus();
}

}  // namespace opentrack::emulator
