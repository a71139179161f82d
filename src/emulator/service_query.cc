// jobs.query, jobs.getQueryResults and statement dispatch (SELECT or DDL).
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "emulator/absl_compat.h"
#include "emulator/api_error.h"
#include "emulator/cell_format.h"
#include "emulator/service.h"
#include "emulator/service_util.h"

namespace opentrack::emulator {

using internal::JsonResponse;
using internal::ParseBody;

namespace {

// Adds schema, rows, totalRows and pageToken for rows [start, start+max).
void AddResultRows(const QueryResult& result, int64_t start, int64_t max, CellOptions cells,
                   Json* out) {
  if (result.statement_type != "SELECT") return;
  out->Set("schema", SchemaToJson(result.schema));
  Json rows = Json::Array();
  const int64_t total = static_cast<int64_t>(result.rows.size());
  const int64_t end = max > 0 ? std::min(total, start + max) : total;
  for (int64_t i = std::max<int64_t>(0, start); i < end; ++i) {
    rows.Push(RowCells(result.schema, result.rows[i], cells));
  }
  out->Set("totalRows", Json::Str(absl::StrCat(total)));
  if (end < total) out->Set("pageToken", Json::Str(absl::StrCat(end)));
  out->Set("rows", std::move(rows));
}

bool Int64Timestamps(const Json& body) {
  const Json* fo = body.Find("formatOptions");
  return fo != nullptr && fo->GetBool("useInt64Timestamp", false);
}

}  // namespace

absl::StatusOr<QueryResult> Service::RunQuery(const std::string& project, const Json& config) {
  if (config.GetBool("useLegacySql", true)) {
    return InvalidQuery(
        "Legacy SQL is not supported by the emulator; send useLegacySql: false (GoogleSQL).");
  }
  const std::string sql = config.GetString("query");
  auto tokens = Tokenize(sql);
  if (!tokens.ok()) return tokens.status();
  while (!tokens->empty() && tokens->back().IsSymbol(";")) tokens->pop_back();
  if (tokens->empty()) return InvalidQuery("Syntax error: Unexpected end of script");
  QueryContext context{project, "", ""};
  if (const Json* dd = config.Find("defaultDataset")) {
    context.default_dataset = dd->GetString("datasetId");
    context.default_project = dd->GetString("projectId");
  }
  const Token& first = tokens->front();
  if (first.Is("SELECT") || first.Is("WITH") || first.IsSymbol("(")) {
    return engine_->Select(*tokens, context);
  }
  if (first.Is("CREATE") || first.Is("ALTER") || first.Is("DROP")) {
    return RunDdl(*tokens, sql, context);
  }
  return InvalidQuery(absl::StrCat("Statement ", absl::AsciiStrToUpper(first.text),
                                   " is not supported by the emulator (SELECT and DDL only)."));
}

absl::StatusOr<http::Response> Service::Query(const Call& call) {
  auto body = ParseBody(call.request->body);
  if (!body.ok()) return body.status();
  Json config = Json::Object();
  for (std::string_view key : {"query", "useLegacySql", "defaultDataset"}) {
    if (const Json* v = body->Find(key)) config.Set(std::string(key), *v);
  }
  Json job = Json::Object();
  Json ref = Json::Object();
  if (!body->GetString("location").empty()) {
    ref.Set("location", Json::Str(body->GetString("location")));
  }
  job.Set("jobReference", std::move(ref));
  Json configuration = Json::Object();
  configuration.Set("query", std::move(config));
  job.Set("configuration", std::move(configuration));
  auto done = RunJob(call.project, std::move(job), nullptr);
  if (!done.ok()) return done.status();
  absl::Status failed = internal::JobFailureToHttp(*done);
  if (!failed.ok()) return failed;
  Json out = Json::Object();
  out.Set("kind", Json::Str("bigquery#queryResponse"));
  out.Set("jobReference", *done->Find("jobReference"));
  const std::string job_id = done->Find("jobReference")->GetString("jobId");
  const QueryResult& result = results_[absl::StrCat(call.project, "/", job_id)];
  AddResultRows(result, 0, body->GetInt("maxResults").value_or(0),
                CellOptions{Int64Timestamps(*body)}, &out);
  out.Set("totalBytesProcessed", Json::Str("0"));
  out.Set("jobComplete", Json::Bool(true));
  out.Set("cacheHit", Json::Bool(false));
  if (!result.ddl_operation.empty()) {
    out.Set("ddlOperationPerformed", Json::Str(result.ddl_operation));
  }
  return JsonResponse(out);
}

absl::StatusOr<http::Response> Service::GetQueryResults(const Call& call,
                                                        const std::string& job_id) {
  auto job = storage_->GetJob(call.project, job_id);
  if (!job.ok()) return job.status();
  absl::Status s = CheckJobLocation(*job, *call.request);
  if (!s.ok()) return s;
  s = internal::JobFailureToHttp(*job);
  if (!s.ok()) return s;
  auto it = results_.find(absl::StrCat(call.project, "/", job_id));
  if (it == results_.end()) {
    return NotFound(absl::StrCat("Not found: Query results for job ", call.project, ":", job_id));
  }
  const http::Request& req = *call.request;
  int64_t start = std::atoll(req.QueryParam("pageToken").c_str());
  if (const std::string si = req.QueryParam("startIndex"); !si.empty())
    start = std::atoll(si.c_str());
  const int64_t max = std::atoll(req.QueryParam("maxResults").c_str());
  Json out = Json::Object();
  out.Set("kind", Json::Str("bigquery#getQueryResultsResponse"));
  out.Set("etag", Json::Str(NewEtag()));
  out.Set("jobReference", *job->Find("jobReference"));
  AddResultRows(it->second, start, max,
                CellOptions{internal::QueryFlag(req, "formatOptions.useInt64Timestamp")}, &out);
  out.Set("totalBytesProcessed", Json::Str("0"));
  out.Set("jobComplete", Json::Bool(true));
  out.Set("cacheHit", Json::Bool(false));
  return JsonResponse(out);
}

}  // namespace opentrack::emulator
