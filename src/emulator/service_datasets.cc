// datasets.insert/get/list/patch/update/delete.
#include "absl/strings/str_cat.h"
#include "emulator/api_error.h"
#include "emulator/schema.h"
#include "emulator/service.h"
#include "emulator/service_util.h"

namespace opentrack::emulator {

using internal::CheckIfMatch;
using internal::JsonResponse;
using internal::ParseBody;

absl::StatusOr<http::Response> Service::InsertDataset(const Call& call) {
  auto body = ParseBody(call.request->body);
  if (!body.ok()) return body.status();
  const Json* ref = body->Find("datasetReference");
  const std::string dataset = ref != nullptr ? ref->GetString("datasetId") : "";
  if (dataset.empty()) return Invalid("Required parameter is missing: datasetReference.datasetId");
  absl::Status s = ValidateDatasetId(dataset);
  if (!s.ok()) return s;
  s = CountDatasetUpdate(call.project, dataset);
  if (!s.ok()) return s;
  Json resource = *std::move(body);
  const std::string now = MillisString(Now());
  resource.Set("kind", Json::Str("bigquery#dataset"));
  resource.Set("id", Json::Str(absl::StrCat(call.project, ":", dataset)));
  Json reference = Json::Object();
  reference.Set("datasetId", Json::Str(dataset));
  reference.Set("projectId", Json::Str(call.project));
  resource.Set("datasetReference", std::move(reference));
  if (resource.GetString("location").empty()) resource.Set("location", Json::Str("US"));
  resource.Set("creationTime", Json::Str(now));
  resource.Set("lastModifiedTime", Json::Str(now));
  resource.Set("etag", Json::Str(NewEtag()));
  s = storage_->InsertDataset(call.project, dataset, resource);
  if (!s.ok()) return s;
  return JsonResponse(resource);
}

absl::StatusOr<http::Response> Service::GetDataset(const Call& call, const std::string& dataset) {
  auto resource = storage_->GetDataset(call.project, dataset);
  if (!resource.ok()) return resource.status();
  return JsonResponse(*resource);
}

absl::StatusOr<http::Response> Service::UpdateDataset(const Call& call, const std::string& dataset,
                                                      bool patch) {
  auto resource = storage_->GetDataset(call.project, dataset);
  if (!resource.ok()) return resource.status();
  absl::Status s = CheckIfMatch(*call.request, resource->GetString("etag"));
  if (!s.ok()) return s;
  auto body = ParseBody(call.request->body);
  if (!body.ok()) return body.status();
  s = CountDatasetUpdate(call.project, dataset);
  if (!s.ok()) return s;
  static constexpr std::string_view kMutable[] = {"friendlyName", "description", "labels",
                                                  "defaultTableExpirationMs", "access"};
  for (std::string_view key : kMutable) {
    const Json* v = body->Find(key);
    if (v != nullptr) {
      resource->Set(std::string(key), *v);
    } else if (!patch) {
      resource->Erase(key);
    }
  }
  resource->Set("lastModifiedTime", Json::Str(MillisString(Now())));
  resource->Set("etag", Json::Str(NewEtag()));
  s = storage_->UpdateDataset(call.project, dataset, *resource);
  if (!s.ok()) return s;
  return JsonResponse(*resource);
}

absl::StatusOr<http::Response> Service::ListDatasets(const Call& call) {
  auto datasets = storage_->ListDatasets(call.project);
  if (!datasets.ok()) return datasets.status();
  Json list = Json::Array();
  for (const Json& d : *datasets) {
    Json item = Json::Object();
    item.Set("kind", Json::Str("bigquery#dataset"));
    item.Set("id", Json::Str(d.GetString("id")));
    if (const Json* ref = d.Find("datasetReference")) item.Set("datasetReference", *ref);
    item.Set("location", Json::Str(d.GetString("location")));
    list.Push(std::move(item));
  }
  Json out = Json::Object();
  out.Set("kind", Json::Str("bigquery#datasetList"));
  out.Set("etag", Json::Str(NewEtag()));
  out.Set("datasets", std::move(list));
  return JsonResponse(out);
}

absl::StatusOr<http::Response> Service::DeleteDataset(const Call& call,
                                                      const std::string& dataset) {
  absl::Status s = CountDatasetUpdate(call.project, dataset);
  if (!s.ok()) return s;
  s = storage_->DeleteDataset(call.project, dataset,
                              internal::QueryFlag(*call.request, "deleteContents"));
  if (!s.ok()) return s;
  return http::Response{204, {}, ""};
}

}  // namespace opentrack::emulator
