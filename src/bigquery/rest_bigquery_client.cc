#include "bigquery/rest_bigquery_client.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "absl/status/status.h"
#include "bigquery/error_mapping.h"
#include "bigquery/rest_json.h"
#include "common/error_code.h"
#include "common/uuid.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::bigquery {
namespace {

using http_client::HttpResponse;
using http_client::UrlEncode;
using http_client_internal::Cat;

constexpr char kJsonType[] = "application/json; charset=UTF-8";

bool IsRerunnableJobFailure(const Job& job) {
  if (!job.error_result.has_value()) return false;
  const std::string& reason = job.error_result->reason;
  return reason == "jobBackendError" || reason == "jobInternalError" ||
         reason == "jobRateLimitExceeded" || reason == "backendError";
}

bool IsTransient(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

// Next byte to send after a 308: "Range: bytes=0-N" means N+1; no Range, 0.
size_t ResumeOffset(const HttpResponse& response) {
  std::string_view range = response.Header("Range");
  size_t dash = range.rfind('-');
  if (dash == std::string_view::npos) return 0;
  size_t last = 0;
  auto [ptr, ec] = std::from_chars(range.data() + dash + 1, range.data() + range.size(), last);
  return ec == std::errc() ? last + 1 : 0;
}

}  // namespace

RestBigQueryClient::RestBigQueryClient(RestOptions options,
                                       std::shared_ptr<http_client::HttpClient> http,
                                       std::shared_ptr<auth::Credentials> credentials, Clock* clock)
    : options_(std::move(options)),
      http_(std::move(http)),
      credentials_(std::move(credentials)),
      clock_(clock) {}

absl::StatusOr<HttpResponse> RestBigQueryClient::Send(Call call, bool allow_308) {
  http_client::HttpRequest request;
  request.method = std::move(call.method);
  request.url = std::move(call.url);
  request.body = std::move(call.body);  // uploads can be large: never copied
  request.timeout = call.timeout > absl::ZeroDuration() ? call.timeout : options_.request_timeout;
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<std::string> authorization = credentials_->AuthorizationHeader();
    if (!authorization.ok()) return WithContext(authorization.status(), call.what);
    request.headers.clear();
    if (!authorization->empty()) request.headers.emplace_back("Authorization", *authorization);
    request.headers.emplace_back("User-Agent", options_.user_agent);
    for (const auto& header : call.headers) request.headers.push_back(header);
    absl::StatusOr<HttpResponse> response = http_->Send(request);
    if (!response.ok()) return WithContext(response.status(), call.what);
    if (response->status == 401 && attempt == 0) {
      credentials_->Invalidate();  // the token expired or was revoked early
      continue;
    }
    if (allow_308 && response->status == 308) return response;
    absl::Status status = MapHttpError(response->status, response->body, call.what);
    if (!status.ok()) return status;
    return response;
  }
}

std::string RestBigQueryClient::TableUrl(const TableRef& ref) const {
  return Cat(options_.api_base, "/projects/", UrlEncode(ref.project_id), "/datasets/",
             UrlEncode(ref.dataset_id), "/tables/", UrlEncode(ref.table_id));
}

absl::StatusOr<Dataset> RestBigQueryClient::GetDataset(std::string_view project_id,
                                                       std::string_view dataset_id) {
  auto response = Send({"GET",
                        Cat(options_.api_base, "/projects/", UrlEncode(project_id), "/datasets/",
                            UrlEncode(dataset_id)),
                        "",
                        {},
                        Cat("datasets.get ", project_id, ":", dataset_id)});
  if (!response.ok()) return response.status();
  return rest_internal::ParseDataset(response->body);
}

absl::StatusOr<Dataset> RestBigQueryClient::InsertDataset(const Dataset& dataset) {
  auto response =
      Send({"POST",
            Cat(options_.api_base, "/projects/", UrlEncode(dataset.project_id), "/datasets"),
            rest_internal::DatasetJson(dataset),
            {{"Content-Type", kJsonType}},
            Cat("datasets.insert ", dataset.project_id, ":", dataset.dataset_id)});
  if (!response.ok()) return response.status();
  return rest_internal::ParseDataset(response->body);
}

absl::StatusOr<Table> RestBigQueryClient::GetTable(const TableRef& ref) {
  auto response = Send({"GET", TableUrl(ref), "", {}, Cat("tables.get ", ref.ToString())});
  if (!response.ok()) return response.status();
  return rest_internal::ParseTable(response->body);
}

absl::StatusOr<Table> RestBigQueryClient::InsertTable(const Table& table) {
  const TableRef& ref = table.ref;
  auto response = Send({"POST",
                        Cat(options_.api_base, "/projects/", UrlEncode(ref.project_id),
                            "/datasets/", UrlEncode(ref.dataset_id), "/tables"),
                        rest_internal::TableJson(table),
                        {{"Content-Type", kJsonType}},
                        Cat("tables.insert ", ref.ToString())});
  if (!response.ok()) return response.status();
  return rest_internal::ParseTable(response->body);
}

absl::StatusOr<Table> RestBigQueryClient::PatchTableSchema(const TableRef& ref,
                                                           const std::vector<Field>& schema,
                                                           std::string_view etag) {
  Call call{"PATCH",
            TableUrl(ref),
            rest_internal::SchemaPatchJson(schema),
            {{"Content-Type", kJsonType}},
            Cat("tables.patch ", ref.ToString())};
  if (!etag.empty()) call.headers.emplace_back("If-Match", std::string(etag));
  auto response = Send(std::move(call));
  if (!response.ok()) return response.status();
  return rest_internal::ParseTable(response->body);
}

absl::StatusOr<std::vector<Table>> RestBigQueryClient::ListTables(std::string_view project_id,
                                                                  std::string_view dataset_id) {
  const std::string url = Cat(options_.api_base, "/projects/", UrlEncode(project_id), "/datasets/",
                              UrlEncode(dataset_id), "/tables?maxResults=1000");
  std::vector<Table> all;
  std::string page_token;
  do {
    const std::string page_url =
        page_token.empty() ? url : Cat(url, "&pageToken=", UrlEncode(page_token));
    auto response =
        Send({"GET", page_url, "", {}, Cat("tables.list ", project_id, ":", dataset_id)});
    if (!response.ok()) return response.status();
    auto page = rest_internal::ParseTableList(response->body, &page_token);
    if (!page.ok()) return page.status();
    for (Table& t : *page) all.push_back(std::move(t));
  } while (!page_token.empty());
  return all;
}

absl::Status RestBigQueryClient::DeleteTable(const TableRef& ref) {
  return Send({"DELETE", TableUrl(ref), "", {}, Cat("tables.delete ", ref.ToString())}).status();
}

absl::StatusOr<InsertResult> RestBigQueryClient::InsertAll(const TableRef& ref,
                                                           std::span<const InsertRow> rows,
                                                           const InsertOptions& options) {
  auto response = Send({"POST",
                        Cat(TableUrl(ref), "/insertAll"),
                        rest_internal::InsertAllJson(rows, options),
                        {{"Content-Type", kJsonType}},
                        Cat("tabledata.insertAll ", ref.ToString())});
  if (!response.ok()) return response.status();
  return rest_internal::ParseInsertAllResponse(response->body);
}

absl::StatusOr<QueryResult> RestBigQueryClient::Query(const QueryRequest& request) {
  const std::string request_id = request.request_id.empty() ? NewUuid() : request.request_id;
  const std::string queries_url =
      Cat(options_.api_base, "/projects/", UrlEncode(request.project_id), "/queries");
  // The server may hold the call for timeoutMs before answering.
  const absl::Duration query_timeout =
      absl::Milliseconds(request.timeout_ms) + options_.request_timeout;
  auto response = Send({"POST",
                        queries_url,
                        rest_internal::QueryJson(request, request_id),
                        {{"Content-Type", kJsonType}},
                        Cat("jobs.query in ", request.project_id),
                        query_timeout});
  if (!response.ok()) return response.status();
  auto page = rest_internal::ParseQueryPage(response->body);
  if (!page.ok()) return page.status();

  QueryResult result;
  result.job_id = page->job_id;
  const std::string location = page->location.empty() ? request.location : page->location;
  const absl::Time give_up = clock_->Now() + options_.job_wait_timeout;
  absl::Duration delay = options_.job_poll_initial;
  bool first = true;
  // Until the job completes, then while pages remain: getQueryResults.
  while (!page->job_complete || !page->page_token.empty()) {
    if (page->job_complete) {
      if (first) result.schema = page->schema;
      for (auto& row : page->rows) result.rows.push_back(std::move(row));
      first = false;
    } else {
      if (clock_->Now() + delay > give_up) {
        return absl::DeadlineExceededError(Cat("query job ", result.job_id, " not complete after ",
                                               absl::FormatDuration(options_.job_wait_timeout)));
      }
      clock_->SleepFor(delay);
      delay = std::min(delay * 2, options_.job_poll_max);
    }
    if (page->job_id.empty()) {
      return absl::InternalError("jobs.query answered without jobReference");
    }
    std::string url =
        Cat(queries_url, "/", UrlEncode(result.job_id), "?timeoutMs=", request.timeout_ms);
    if (!location.empty()) url += Cat("&location=", UrlEncode(location));
    if (page->job_complete) url += Cat("&pageToken=", UrlEncode(page->page_token));
    std::string job_id = result.job_id;
    response = Send({"GET", url, "", {}, Cat("jobs.getQueryResults ", job_id), query_timeout});
    if (!response.ok()) return response.status();
    page = rest_internal::ParseQueryPage(response->body);
    if (!page.ok()) return page.status();
    if (page->job_id.empty()) page->job_id = job_id;
  }
  if (first) result.schema = page->schema;
  for (auto& row : page->rows) result.rows.push_back(std::move(row));
  result.statement_type = page->statement_type;
  result.num_dml_affected_rows = page->num_dml_affected_rows;
  return result;
}

absl::StatusOr<Job> RestBigQueryClient::GetJob(std::string_view project_id, std::string_view job_id,
                                               std::string_view location) {
  std::string url =
      Cat(options_.api_base, "/projects/", UrlEncode(project_id), "/jobs/", UrlEncode(job_id));
  if (!location.empty()) url += Cat("?location=", UrlEncode(location));
  auto response = Send({"GET", url, "", {}, Cat("jobs.get ", project_id, ":", job_id)});
  if (!response.ok()) return response.status();
  return rest_internal::ParseJob(response->body);
}

absl::StatusOr<Job> RestBigQueryClient::RunLoadJob(const LoadJobRequest& request,
                                                   std::string_view ndjson) {
  std::string job_id =
      request.job_id.empty() ? Cat(options_.job_id_prefix, NewUuid()) : request.job_id;
  for (int rerun = 0;; ++rerun) {
    auto job = InsertLoadJob(request, job_id, ndjson);
    if (job.ok()) job = WaitForJob(*std::move(job));
    if (!job.ok() || !IsRerunnableJobFailure(*job) || rerun >= options_.max_job_reruns) {
      return job;
    }
    // The job ran and failed on Google's side: run it again under a new id (spec 10.6).
    job_id = Cat(options_.job_id_prefix, NewUuid());
  }
}

absl::StatusOr<Job> RestBigQueryClient::InsertLoadJob(const LoadJobRequest& request,
                                                      std::string_view job_id,
                                                      std::string_view ndjson) {
  auto job = ndjson.size() < options_.multipart_limit ? UploadMultipart(request, job_id, ndjson)
                                                      : UploadResumable(request, job_id, ndjson);
  if (job.status().code() == absl::StatusCode::kAlreadyExists) {
    // Our own id already exists: an earlier attempt got through (spec 10.5).
    return GetJob(request.destination.project_id, job_id, request.location);
  }
  if (job.ok() && job->location.empty()) job->location = request.location;
  return job;
}

absl::StatusOr<Job> RestBigQueryClient::UploadMultipart(const LoadJobRequest& request,
                                                        std::string_view job_id,
                                                        std::string_view ndjson) {
  const std::string boundary = Cat("opentrack_", NewUuid());
  std::string body;
  body.reserve(ndjson.size() + 1024);
  body += Cat("--", boundary, "\r\nContent-Type: ", kJsonType, "\r\n\r\n",
              rest_internal::LoadJobJson(request, job_id), "\r\n--", boundary,
              "\r\nContent-Type: application/octet-stream\r\n\r\n");
  body.append(ndjson);
  body += Cat("\r\n--", boundary, "--\r\n");
  auto response =
      Send({"POST",
            Cat(options_.upload_base, "/projects/", UrlEncode(request.destination.project_id),
                "/jobs?uploadType=multipart"),
            std::move(body),
            {{"Content-Type", Cat("multipart/related; boundary=", boundary)}},
            Cat("jobs.insert ", job_id, " (load into ", request.destination.ToString(), ")"),
            options_.upload_timeout});
  if (!response.ok()) return response.status();
  return rest_internal::ParseJob(response->body);
}

absl::StatusOr<Job> RestBigQueryClient::UploadResumable(const LoadJobRequest& request,
                                                        std::string_view job_id,
                                                        std::string_view ndjson) {
  const std::string what =
      Cat("jobs.insert ", job_id, " (resumable load into ", request.destination.ToString(), ")");
  const size_t total = ndjson.size();
  auto session = Send({"POST",
                       Cat(options_.upload_base, "/projects/",
                           UrlEncode(request.destination.project_id), "/jobs?uploadType=resumable"),
                       rest_internal::LoadJobJson(request, job_id),
                       {{"Content-Type", kJsonType},
                        {"X-Upload-Content-Type", "application/octet-stream"},
                        {"X-Upload-Content-Length", Cat(total)}},
                       what});
  if (!session.ok()) return session.status();
  const std::string session_url(session->Header("Location"));
  if (session_url.empty()) {
    return absl::InternalError(Cat(what, ": resumable session answer has no Location header"));
  }
  size_t offset = 0;
  int resumes = 0;
  while (true) {
    size_t end = std::min(offset + options_.resumable_chunk_bytes, total);
    Call put{"PUT",
             session_url,
             std::string(ndjson.substr(offset, end - offset)),
             {{"Content-Range", Cat("bytes ", offset, "-", end - 1, "/", total)}},
             what,
             options_.upload_timeout};
    auto response = Send(std::move(put), /*allow_308=*/true);
    if (!response.ok()) {
      if (!IsTransient(response.status()) || resumes >= options_.max_upload_resumes) {
        return response.status();
      }
      ++resumes;
      // Ask the session how much it kept, then continue from there.
      Call query{"PUT", session_url, "", {{"Content-Range", Cat("bytes */", total)}}, what};
      response = Send(std::move(query), /*allow_308=*/true);
      if (!response.ok()) return response.status();
    }
    if (response->status != 308) return rest_internal::ParseJob(response->body);
    offset = ResumeOffset(*response);
    if (offset >= total) {
      return absl::InternalError(Cat(what, ": upload session wants more bytes than exist"));
    }
  }
}

absl::StatusOr<Job> RestBigQueryClient::WaitForJob(Job job) {
  const absl::Time give_up = clock_->Now() + options_.job_wait_timeout;
  absl::Duration delay = options_.job_poll_initial;
  const std::string project_id = job.project_id;
  const std::string job_id = job.job_id;
  const std::string location = job.location;
  while (job.state != "DONE") {
    if (clock_->Now() + delay > give_up) {
      return absl::DeadlineExceededError(Cat("jobs.get ", project_id, ":", job_id,
                                             ": not DONE after ",
                                             absl::FormatDuration(options_.job_wait_timeout)));
    }
    clock_->SleepFor(delay);
    delay = std::min(delay * 2, options_.job_poll_max);
    auto next = GetJob(project_id, job_id, location);
    if (!next.ok()) return next.status();
    job = *std::move(next);
  }
  return job;
}

}  // namespace opentrack::bigquery
