// tabledata.insertAll (rules 20-28) and tabledata.list.
#include "absl/strings/str_cat.h"
#include "emulator/api_error.h"
#include "emulator/cell_format.h"
#include "emulator/service.h"
#include "emulator/service_util.h"
#include "emulator/values.h"

namespace opentrack::emulator {

using internal::JsonResponse;
using internal::ParseBody;

namespace {

constexpr size_t kMaxRows = 50000;
constexpr size_t kMaxInsertIdLength = 128;

Json ErrorProto(std::string_view reason, std::string_view location, std::string_view message) {
  Json e = Json::Object();
  e.Set("reason", Json::Str(std::string(reason)));
  e.Set("location", Json::Str(std::string(location)));
  e.Set("debugInfo", Json::Str(""));
  e.Set("message", Json::Str(std::string(message)));
  return e;
}

int64_t PartitionMicros(absl::Time now, const Json& resource) {
  const Json* tp = resource.Find("timePartitioning");
  const std::string type = tp != nullptr ? tp->GetString("type") : "DAY";
  const absl::CivilSecond cs = absl::ToCivilSecond(now, absl::UTCTimeZone());
  absl::CivilSecond start = absl::CivilDay(cs);
  if (type == "HOUR") start = absl::CivilHour(cs);
  if (type == "MONTH") start = absl::CivilMonth(cs);
  if (type == "YEAR") start = absl::CivilYear(cs);
  return absl::ToUnixMicros(absl::FromCivil(start, absl::UTCTimeZone()));
}

}  // namespace

absl::StatusOr<http::Response> Service::InsertAll(const Call& call, const TableRef& ref) {
  auto body = ParseBody(call.request->body);
  if (!body.ok()) return body.status();
  const Json* rows = body->Find("rows");
  if (rows == nullptr || !rows->is_array() || rows->items().empty()) {
    return Invalid("No rows present in the request.");
  }
  if (rows->items().size() > kMaxRows) {
    return Invalid(absl::StrCat("too many rows present in the request, limit: ", kMaxRows,
                                " row count: ", rows->items().size(), "."));
  }
  auto record = storage_->GetTable(ref);
  const std::string suffix = body->GetString("templateSuffix");
  if (record.ok() && !suffix.empty()) {
    const TableRef target{ref.project, ref.dataset, ref.table + suffix};
    auto existing = storage_->GetTable(target);
    if (existing.ok()) {
      record = std::move(existing);
    } else {
      Json resource = Json::Object();
      resource.Set("schema", SchemaToJson(record->schema));
      record = CreateTableRecord(target, std::move(resource));
    }
  }
  if (!record.ok()) return record.status();
  if (record->is_view()) return Invalid(absl::StrCat("Cannot insert into a view: ", ref.Display()));
  // Lag mode: the streaming system may still see the older metadata.
  Schema schema = record->schema;
  if (auto it = lag_.find(record->ref.Display()); it != lag_.end()) {
    absl::Duration delay;
    {
      absl::MutexLock lock(&faults_mu_);
      delay = faults_.new_column_visibility_delay;
    }
    if (Now() < it->second.changed_at + delay) {
      if (!it->second.existed_before) {
        return NotFound(absl::StrCat("Table ", record->ref.Display(), " not found."));
      }
      schema = it->second.previous;
    } else {
      lag_.erase(it);
    }
  }
  const bool skip_invalid = body->GetBool("skipInvalidRows", false);
  const bool ignore_unknown = body->GetBool("ignoreUnknownValues", false);
  const size_t n = rows->items().size();
  std::vector<std::vector<RowError>> errors(n);
  std::vector<StoredRow> stored(n);
  std::vector<std::string> insert_ids(n);
  bool any_bad = false;
  for (size_t i = 0; i < n; ++i) {
    const Json& row = rows->items()[i];
    insert_ids[i] = row.GetString("insertId");
    if (insert_ids[i].size() > kMaxInsertIdLength) {
      errors[i].push_back(
          {"", absl::StrCat("The insertId field is too long: ", insert_ids[i].size(),
                            " characters; the maximum is ", kMaxInsertIdLength, ".")});
    }
    const Json* json = row.Find("json");
    if (json == nullptr) {
      errors[i].push_back({"", "Missing json field in row."});
    } else {
      ConvertRow(schema, *json, ignore_unknown, &stored[i], &errors[i]);
    }
    any_bad = any_bad || !errors[i].empty();
  }
  Json insert_errors = Json::Array();
  for (size_t i = 0; i < n; ++i) {
    if (errors[i].empty() && (skip_invalid || !any_bad)) continue;
    Json entry = Json::Object();
    entry.Set("index", Json::Int(static_cast<int64_t>(i)));
    Json list = Json::Array();
    if (errors[i].empty()) {
      list.Push(ErrorProto("stopped", "", ""));
    } else {
      for (const RowError& e : errors[i]) list.Push(ErrorProto("invalid", e.location, e.message));
    }
    entry.Set("errors", std::move(list));
    insert_errors.Push(std::move(entry));
  }
  if (!any_bad || skip_invalid) {
    const absl::Time now = Now();
    // Forget insertIds older than the window so the map stays bounded.
    for (auto it = insert_ids_.begin(); it != insert_ids_.end();) {
      if (it->second + options_.insert_id_window <= now) {
        insert_ids_.erase(it++);
      } else {
        ++it;
      }
    }
    std::vector<StoredRow> accepted;
    for (size_t i = 0; i < n; ++i) {
      if (!errors[i].empty()) continue;
      if (!insert_ids[i].empty()) {
        const std::string key = absl::StrCat(record->id, "/", insert_ids[i]);
        if (insert_ids_.contains(key)) continue;
        insert_ids_[key] = now;
      }
      accepted.push_back(std::move(stored[i]));
    }
    absl::Status s = storage_->Begin();
    if (s.ok()) s = storage_->InsertRows(*record, accepted, PartitionMicros(now, record->resource));
    if (!s.ok()) {
      storage_->Rollback();
      return s;
    }
    s = storage_->Commit();
    if (!s.ok()) return s;
  }
  Json out = Json::Object();
  out.Set("kind", Json::Str("bigquery#tableDataInsertAllResponse"));
  if (!insert_errors.items().empty()) out.Set("insertErrors", std::move(insert_errors));
  return JsonResponse(out);
}

absl::StatusOr<http::Response> Service::ListTableData(const Call& call, const TableRef& ref) {
  auto record = storage_->GetTable(ref);
  if (!record.ok()) return record.status();
  if (record->is_view()) return Invalid(absl::StrCat("Cannot list a view: ", ref.Display()));
  const http::Request& req = *call.request;
  int64_t start = 0;
  int64_t max_results = 100000;
  std::string page_token = req.QueryParam("pageToken");
  if (!page_token.empty()) start = std::atoll(page_token.c_str());
  if (const std::string s = req.QueryParam("startIndex"); !s.empty()) start = std::atoll(s.c_str());
  if (const std::string m = req.QueryParam("maxResults"); !m.empty()) {
    max_results = std::max<int64_t>(1, std::atoll(m.c_str()));
  }
  CellOptions cells{internal::QueryFlag(req, "formatOptions.useInt64Timestamp")};
  std::string columns;
  for (const Field& f : record->schema) {
    if (!columns.empty()) columns += ", ";
    columns += QuoteIdent(f.name);
  }
  auto total = storage_->CountRows(*record);
  if (!total.ok()) return total.status();
  Json rows = Json::Array();
  if (!columns.empty()) {
    auto stmt = storage_->db().Prepare(absl::StrCat("SELECT ", columns, " FROM ",
                                                    QuoteIdent(record->DataTable()),
                                                    " ORDER BY rowid LIMIT ? OFFSET ?"));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, max_results).Bind(2, start);
    while (true) {
      auto has = stmt->Step();
      if (!has.ok()) return has.status();
      if (!*has) break;
      std::vector<SqlValue> values;
      for (int c = 0; c < stmt->ColumnCount(); ++c) values.push_back(stmt->Column(c));
      rows.Push(RowCells(record->schema, values, cells));
    }
  }
  Json out = Json::Object();
  out.Set("kind", Json::Str("bigquery#tableDataList"));
  out.Set("etag", Json::Str(record->resource.GetString("etag")));
  out.Set("totalRows", Json::Str(absl::StrCat(*total)));
  const int64_t next = start + static_cast<int64_t>(rows.items().size());
  if (next < *total) out.Set("pageToken", Json::Str(absl::StrCat(next)));
  out.Set("rows", std::move(rows));
  return JsonResponse(out);
}

}  // namespace opentrack::emulator
