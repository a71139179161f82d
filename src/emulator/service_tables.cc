// tables.insert/get/list/patch/update/delete.
#include "absl/strings/str_cat.h"
#include "emulator/api_error.h"
#include "emulator/schema.h"
#include "emulator/service.h"
#include "emulator/service_util.h"

namespace opentrack::emulator {

using internal::CheckIfMatch;
using internal::JsonResponse;
using internal::ParseBody;

namespace {

// timePartitioning.field must name a top-level TIMESTAMP or DATE column.
absl::Status ValidatePartitioning(const Json& resource, const Schema& schema) {
  const Json* tp = resource.Find("timePartitioning");
  if (tp == nullptr) return absl::OkStatus();
  const std::string type = tp->GetString("type");
  if (!type.empty() && type != "DAY" && type != "HOUR" && type != "MONTH" && type != "YEAR") {
    return Invalid(absl::StrCat("Invalid value for timePartitioning.type: ", type));
  }
  const std::string field = tp->GetString("field");
  if (field.empty()) return absl::OkStatus();
  const Field* f = FindField(schema, field);
  if (f == nullptr || (f->type != "TIMESTAMP" && f->type != "DATE" && f->type != "DATETIME") ||
      f->mode == "REPEATED") {
    return Invalid(
        absl::StrCat("The field specified for time partitioning can only be of type "
                     "TIMESTAMP, DATE or DATETIME. The type found is: ",
                     f == nullptr ? "missing" : f->type, "."));
  }
  return absl::OkStatus();
}

constexpr std::string_view kMutableTableFields[] = {"friendlyName", "description",
                                                    "labels",       "expirationTime",
                                                    "clustering",   "requirePartitionFilter"};

}  // namespace

absl::StatusOr<TableRecord> Service::CreateTableRecord(const TableRef& ref, Json body,
                                                       bool count_quota) {
  absl::Status s = ValidateTableId(ref.table);
  if (!s.ok()) return s;
  Schema schema;
  if (const Json* schema_json = body.Find("schema")) {
    auto parsed = ParseSchema(*schema_json);
    if (!parsed.ok()) return parsed.status();
    schema = std::move(*parsed);
  }
  s = ValidatePartitioning(body, schema);
  if (!s.ok()) return s;
  auto dataset = storage_->GetDataset(ref.project, ref.dataset);
  if (!dataset.ok()) return dataset.status();
  if (count_quota) {
    s = CountTableUpdate(ref);
    if (!s.ok()) return s;
  }
  const std::string now = MillisString(Now());
  body.Set("kind", Json::Str("bigquery#table"));
  body.Set("id", Json::Str(ref.Display()));
  Json reference = Json::Object();
  reference.Set("projectId", Json::Str(ref.project));
  reference.Set("datasetId", Json::Str(ref.dataset));
  reference.Set("tableId", Json::Str(ref.table));
  body.Set("tableReference", std::move(reference));
  body.Set("schema", SchemaToJson(schema));
  body.Set("type", Json::Str(body.Find("view") != nullptr ? "VIEW" : "TABLE"));
  body.Set("location", Json::Str(dataset->GetString("location")));
  body.Set("creationTime", Json::Str(now));
  body.Set("lastModifiedTime", Json::Str(now));
  body.Set("etag", Json::Str(NewEtag()));
  auto record = storage_->CreateTable(ref, std::move(body), std::move(schema));
  if (!record.ok()) return record.status();
  RecordMetadataChange(ref, false, {});
  return record;
}

Json Service::TableResource(const TableRecord& record) {
  Json out = record.resource;
  if (!record.is_view()) {
    auto rows = storage_->CountRows(record);
    out.Set("numRows", Json::Str(absl::StrCat(rows.ok() ? *rows : 0)));
    out.Set("numBytes", Json::Str("0"));
  }
  return out;
}

absl::StatusOr<http::Response> Service::InsertTable(const Call& call, const std::string& dataset) {
  auto body = ParseBody(call.request->body);
  if (!body.ok()) return body.status();
  const Json* ref = body->Find("tableReference");
  const std::string table = ref != nullptr ? ref->GetString("tableId") : "";
  if (table.empty()) return Invalid("Required parameter is missing: tableReference.tableId");
  auto record = CreateTableRecord(TableRef{call.project, dataset, table}, *std::move(body));
  if (!record.ok()) return record.status();
  return JsonResponse(TableResource(*record));
}

absl::StatusOr<http::Response> Service::GetTable(const TableRef& ref) {
  auto record = storage_->GetTable(ref);
  if (!record.ok()) return record.status();
  return JsonResponse(TableResource(*record));
}

absl::StatusOr<http::Response> Service::UpdateTable(const Call& call, const TableRef& ref,
                                                    bool patch) {
  auto record = storage_->GetTable(ref);
  if (!record.ok()) return record.status();
  absl::Status s = CheckIfMatch(*call.request, record->resource.GetString("etag"));
  if (!s.ok()) return s;
  auto body = ParseBody(call.request->body);
  if (!body.ok()) return body.status();
  Schema schema = record->schema;
  const Json* schema_json = body->Find("schema");
  if (schema_json != nullptr || (!patch && !record->is_view())) {
    Schema proposed;
    if (schema_json != nullptr) {
      auto parsed = ParseSchema(*schema_json);
      if (!parsed.ok()) return parsed.status();
      proposed = std::move(*parsed);
    }
    auto merged = ApplySchemaUpdate(record->schema, proposed, ref.Display());
    if (!merged.ok()) return merged.status();
    schema = std::move(*merged);
  }
  s = CountTableUpdate(ref);
  if (!s.ok()) return s;
  for (std::string_view key : kMutableTableFields) {
    const Json* v = body->Find(key);
    if (v != nullptr) {
      record->resource.Set(std::string(key), *v);
    } else if (!patch) {
      record->resource.Erase(key);
    }
  }
  if (const Json* view = body->Find("view"); view != nullptr && record->is_view()) {
    record->resource.Set("view", *view);
  }
  const Schema previous = record->schema;
  record->schema = schema;
  record->resource.Set("schema", SchemaToJson(schema));
  record->resource.Set("lastModifiedTime", Json::Str(MillisString(Now())));
  record->resource.Set("etag", Json::Str(NewEtag()));
  s = storage_->UpdateTable(*record);
  if (!s.ok()) return s;
  RecordMetadataChange(ref, true, previous);
  return JsonResponse(TableResource(*record));
}

absl::StatusOr<http::Response> Service::ListTables(const Call& call, const std::string& dataset) {
  auto ds = storage_->GetDataset(call.project, dataset);
  if (!ds.ok()) return ds.status();
  auto tables = storage_->ListTables(call.project, dataset);
  if (!tables.ok()) return tables.status();
  Json list = Json::Array();
  for (const TableRecord& t : *tables) {
    Json item = Json::Object();
    item.Set("kind", Json::Str("bigquery#table"));
    item.Set("id", Json::Str(t.ref.Display()));
    if (const Json* r = t.resource.Find("tableReference")) item.Set("tableReference", *r);
    item.Set("type", Json::Str(t.resource.GetString("type")));
    item.Set("creationTime", Json::Str(t.resource.GetString("creationTime")));
    if (const Json* tp = t.resource.Find("timePartitioning")) item.Set("timePartitioning", *tp);
    list.Push(std::move(item));
  }
  Json out = Json::Object();
  out.Set("kind", Json::Str("bigquery#tableList"));
  out.Set("etag", Json::Str(NewEtag()));
  out.Set("totalItems", Json::Int(static_cast<int64_t>(list.items().size())));
  out.Set("tables", std::move(list));
  return JsonResponse(out);
}

absl::StatusOr<http::Response> Service::DeleteTable(const TableRef& ref) {
  absl::Status s = storage_->DeleteTable(ref);
  if (!s.ok()) return s;
  lag_.erase(ref.Display());
  return http::Response{204, {}, ""};
}

}  // namespace opentrack::emulator
