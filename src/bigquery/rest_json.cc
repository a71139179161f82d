#include "bigquery/rest_json.h"

#include <charconv>
#include <utility>

#include "absl/status/status.h"
#include "common/json_text.h"
#include "http_client/internal/str_cat.h"

namespace opentrack::bigquery::rest_internal {
namespace {

using http_client_internal::Cat;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Appends `,"key":"value"` (or without the comma for the first member).
void Member(std::string* out, std::string_view key, std::string_view value, bool first = false) {
  if (!first) out->push_back(',');
  AppendJsonString(out, key);
  out->push_back(':');
  AppendJsonString(out, value);
}

void Key(std::string* out, std::string_view key) {
  out->push_back(',');
  AppendJsonString(out, key);
  out->push_back(':');
}

std::string_view Str(element e, std::string_view key) {
  std::string_view value;
  if (e[key].get_string().get(value) != simdjson::SUCCESS) return {};
  return value;
}

// int64 values arrive as JSON strings (spec 1); accept numbers too.
int64_t Int64(element e, std::string_view key) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS) return 0;
  int64_t n = 0;
  if (v.get_int64().get(n) == simdjson::SUCCESS) return n;
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    std::from_chars(s.data(), s.data() + s.size(), n);
  }
  return n;
}

absl::Status Malformed(std::string_view what, std::string_view detail) {
  return absl::InternalError(Cat("malformed ", what, " response: ", detail));
}

absl::StatusOr<element> Parse(simdjson::dom::parser& parser, std::string_view json,
                              std::string_view what) {
  element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root); error) {
    return Malformed(what, simdjson::error_message(error));
  }
  if (!root.is_object()) return Malformed(what, "not an object");
  return root;
}

std::vector<Field> ParseFields(element schema) {
  std::vector<Field> fields;
  array list;
  if (schema["fields"].get_array().get(list) != simdjson::SUCCESS) return fields;
  for (element f : list) {
    Field field;
    field.name = std::string(Str(f, "name"));
    field.type = std::string(Str(f, "type"));
    std::string_view mode = Str(f, "mode");
    field.mode = mode.empty() ? "NULLABLE" : std::string(mode);
    field.description = std::string(Str(f, "description"));
    field.fields = ParseFields(f);
    fields.push_back(std::move(field));
  }
  return fields;
}

JobError ParseJobError(element e) {
  return JobError{std::string(Str(e, "reason")), std::string(Str(e, "location")),
                  std::string(Str(e, "message"))};
}

}  // namespace

void AppendSchema(std::string* out, const std::vector<Field>& fields) {
  out->append(R"({"fields":[)");
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    if (i > 0) out->push_back(',');
    out->push_back('{');
    Member(out, "name", f.name, /*first=*/true);
    Member(out, "type", f.type);
    Member(out, "mode", f.mode.empty() ? "NULLABLE" : f.mode);
    if (!f.description.empty()) Member(out, "description", f.description);
    if (!f.fields.empty()) {
      // A RECORD's sub-schema is "fields":[...] inline, not a nested TableSchema.
      std::string nested;
      AppendSchema(&nested, f.fields);
      out->push_back(',');
      out->append(nested, 1, nested.size() - 2);
    }
    out->push_back('}');
  }
  out->append("]}");
}

void AppendTableRef(std::string* out, const TableRef& ref) {
  out->push_back('{');
  Member(out, "projectId", ref.project_id, /*first=*/true);
  Member(out, "datasetId", ref.dataset_id);
  Member(out, "tableId", ref.table_id);
  out->push_back('}');
}

void AppendTimePartitioning(std::string* out, const TimePartitioning& partitioning) {
  out->push_back('{');
  Member(out, "type", partitioning.type, /*first=*/true);
  if (!partitioning.field.empty()) Member(out, "field", partitioning.field);
  out->push_back('}');
}

std::string DatasetJson(const Dataset& dataset) {
  std::string out = R"({"datasetReference":{)";
  Member(&out, "projectId", dataset.project_id, /*first=*/true);
  Member(&out, "datasetId", dataset.dataset_id);
  out.push_back('}');
  if (!dataset.location.empty()) Member(&out, "location", dataset.location);
  out.push_back('}');
  return out;
}

std::string TableJson(const Table& table) {
  std::string out = R"({"tableReference":)";
  AppendTableRef(&out, table.ref);
  if (!table.view_query.empty()) {
    out.append(R"(,"view":{"query":)");
    AppendJsonString(&out, table.view_query);
    out.append(R"(,"useLegacySql":false})");
  } else {
    Key(&out, "schema");
    AppendSchema(&out, table.schema);
  }
  if (table.time_partitioning.has_value()) {
    Key(&out, "timePartitioning");
    AppendTimePartitioning(&out, *table.time_partitioning);
  }
  if (!table.clustering_fields.empty()) {
    out.append(R"(,"clustering":{"fields":[)");
    for (size_t i = 0; i < table.clustering_fields.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(&out, table.clustering_fields[i]);
    }
    out.append("]}");
  }
  if (!table.description.empty()) Member(&out, "description", table.description);
  out.push_back('}');
  return out;
}

std::string SchemaPatchJson(const std::vector<Field>& schema) {
  std::string out = R"({"schema":)";
  AppendSchema(&out, schema);
  out.push_back('}');
  return out;
}

std::string InsertAllJson(std::span<const InsertRow> rows, const InsertOptions& options) {
  size_t size = 128;
  for (const InsertRow& row : rows) size += row.insert_id.size() + row.json.size() + 32;
  std::string out;
  out.reserve(size);
  out.append(R"({"kind":"bigquery#tableDataInsertAllRequest","skipInvalidRows":)");
  out.append(options.skip_invalid_rows ? "true" : "false");
  out.append(R"(,"ignoreUnknownValues":)");
  out.append(options.ignore_unknown_values ? "true" : "false");
  out.append(R"(,"rows":[)");
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('{');
    if (!rows[i].insert_id.empty()) {
      Member(&out, "insertId", rows[i].insert_id, /*first=*/true);
      out.push_back(',');
    }
    out.append(R"("json":)");
    out.append(rows[i].json);  // already-encoded row object, verbatim
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

std::string QueryJson(const QueryRequest& request, std::string_view request_id) {
  std::string out = "{";
  Member(&out, "query", request.query, /*first=*/true);
  out.append(R"(,"useLegacySql":false)");
  Member(&out, "requestId", request_id);
  if (!request.location.empty()) Member(&out, "location", request.location);
  Key(&out, "timeoutMs");
  AppendJsonInt(&out, request.timeout_ms);
  out.push_back('}');
  return out;
}

std::string LoadJobJson(const LoadJobRequest& request, std::string_view job_id) {
  std::string out = R"({"jobReference":{)";
  Member(&out, "projectId", request.destination.project_id, /*first=*/true);
  Member(&out, "jobId", job_id);
  if (!request.location.empty()) Member(&out, "location", request.location);
  out.append(R"(},"configuration":{"load":{"destinationTable":)");
  AppendTableRef(&out, request.destination);
  Member(&out, "sourceFormat", "NEWLINE_DELIMITED_JSON");
  if (!request.schema.empty()) {
    Key(&out, "schema");
    AppendSchema(&out, request.schema);
  }
  Member(&out, "writeDisposition", request.write_disposition);
  Member(&out, "createDisposition", request.create_disposition);
  if (!request.schema_update_options.empty()) {
    out.append(R"(,"schemaUpdateOptions":[)");
    for (size_t i = 0; i < request.schema_update_options.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(&out, request.schema_update_options[i]);
    }
    out.push_back(']');
  }
  if (request.time_partitioning.has_value()) {
    Key(&out, "timePartitioning");
    AppendTimePartitioning(&out, *request.time_partitioning);
  }
  out.append(R"(,"ignoreUnknownValues":)");
  out.append(request.ignore_unknown_values ? "true" : "false");
  Key(&out, "maxBadRecords");
  AppendJsonInt(&out, request.max_bad_records);
  out.append("}}}");
  return out;
}

absl::StatusOr<Dataset> ParseDataset(std::string_view json) {
  simdjson::dom::parser parser;
  auto root = Parse(parser, json, "dataset");
  if (!root.ok()) return root.status();
  element ref;
  if ((*root)["datasetReference"].get(ref) != simdjson::SUCCESS) {
    return Malformed("dataset", "no datasetReference");
  }
  return Dataset{std::string(Str(ref, "projectId")), std::string(Str(ref, "datasetId")),
                 std::string(Str(*root, "location")), std::string(Str(*root, "etag"))};
}

absl::StatusOr<std::vector<Table>> ParseTableList(std::string_view json,
                                                  std::string* next_page_token) {
  simdjson::dom::parser parser;
  auto root = Parse(parser, json, "table list");
  if (!root.ok()) return root.status();
  std::vector<Table> tables;
  array list;
  if ((*root)["tables"].get_array().get(list) == simdjson::SUCCESS) {
    for (element item : list) {
      element ref;
      if (item["tableReference"].get(ref) != simdjson::SUCCESS) {
        return Malformed("table list", "an entry has no tableReference");
      }
      Table table;
      table.ref = TableRef{std::string(Str(ref, "projectId")), std::string(Str(ref, "datasetId")),
                           std::string(Str(ref, "tableId"))};
      if (std::string_view type = Str(item, "type"); !type.empty()) table.type = std::string(type);
      tables.push_back(std::move(table));
    }
  }
  *next_page_token = std::string(Str(*root, "nextPageToken"));
  return tables;
}

absl::StatusOr<Table> ParseTable(std::string_view json) {
  simdjson::dom::parser parser;
  auto root = Parse(parser, json, "table");
  if (!root.ok()) return root.status();
  element ref, e;
  if ((*root)["tableReference"].get(ref) != simdjson::SUCCESS) {
    return Malformed("table", "no tableReference");
  }
  Table table;
  table.ref = TableRef{std::string(Str(ref, "projectId")), std::string(Str(ref, "datasetId")),
                       std::string(Str(ref, "tableId"))};
  if ((*root)["schema"].get(e) == simdjson::SUCCESS) table.schema = ParseFields(e);
  table.etag = std::string(Str(*root, "etag"));
  if (std::string_view type = Str(*root, "type"); !type.empty()) table.type = std::string(type);
  if ((*root)["timePartitioning"].get(e) == simdjson::SUCCESS) {
    TimePartitioning partitioning;
    if (std::string_view type = Str(e, "type"); !type.empty()) partitioning.type = type;
    partitioning.field = std::string(Str(e, "field"));
    table.time_partitioning = std::move(partitioning);
  }
  array clustering;
  if ((*root)["clustering"]["fields"].get_array().get(clustering) == simdjson::SUCCESS) {
    for (element f : clustering) {
      std::string_view name;
      if (f.get_string().get(name) == simdjson::SUCCESS) table.clustering_fields.emplace_back(name);
    }
  }
  if ((*root)["view"].get(e) == simdjson::SUCCESS) table.view_query = Str(e, "query");
  table.description = std::string(Str(*root, "description"));
  return table;
}

absl::StatusOr<InsertResult> ParseInsertAllResponse(std::string_view json) {
  simdjson::dom::parser parser;
  auto root = Parse(parser, json, "insertAll");
  if (!root.ok()) return root.status();
  InsertResult result;
  array insert_errors;
  if ((*root)["insertErrors"].get_array().get(insert_errors) != simdjson::SUCCESS) return result;
  for (element entry : insert_errors) {
    size_t index = static_cast<size_t>(Int64(entry, "index"));
    array errors;
    if (entry["errors"].get_array().get(errors) != simdjson::SUCCESS) continue;
    for (element error : errors) {
      result.row_errors.push_back(RowError{index, std::string(Str(error, "reason")),
                                           std::string(Str(error, "location")),
                                           std::string(Str(error, "message"))});
    }
  }
  return result;
}

absl::StatusOr<Job> ParseJob(std::string_view json) {
  simdjson::dom::parser parser;
  auto root = Parse(parser, json, "job");
  if (!root.ok()) return root.status();
  element ref, status, e;
  if ((*root)["jobReference"].get(ref) != simdjson::SUCCESS) {
    return Malformed("job", "no jobReference");
  }
  Job job;
  job.project_id = Str(ref, "projectId");
  job.job_id = Str(ref, "jobId");
  job.location = Str(ref, "location");
  if ((*root)["status"].get(status) == simdjson::SUCCESS) {
    job.state = Str(status, "state");
    if (status["errorResult"].get(e) == simdjson::SUCCESS) job.error_result = ParseJobError(e);
    array errors;
    if (status["errors"].get_array().get(errors) == simdjson::SUCCESS) {
      for (element error : errors) job.errors.push_back(ParseJobError(error));
    }
  }
  if ((*root)["statistics"]["load"].get(e) == simdjson::SUCCESS) {
    job.output_rows = Int64(e, "outputRows");
  }
  return job;
}

absl::StatusOr<QueryPage> ParseQueryPage(std::string_view json) {
  simdjson::dom::parser parser;
  auto root = Parse(parser, json, "query");
  if (!root.ok()) return root.status();
  QueryPage page;
  bool complete = false;
  if ((*root)["jobComplete"].get_bool().get(complete) == simdjson::SUCCESS) {
    page.job_complete = complete;
  }
  element e;
  if ((*root)["jobReference"].get(e) == simdjson::SUCCESS) {
    page.job_id = Str(e, "jobId");
    page.location = Str(e, "location");
  }
  page.page_token = Str(*root, "pageToken");
  if ((*root)["schema"].get(e) == simdjson::SUCCESS) page.schema = ParseFields(e);
  page.statement_type = Str(*root, "statementType");
  page.num_dml_affected_rows = Int64(*root, "numDmlAffectedRows");
  array rows;
  if ((*root)["rows"].get_array().get(rows) != simdjson::SUCCESS) return page;
  for (element row : rows) {
    std::vector<std::optional<std::string>> cells;
    array f;
    if (row["f"].get_array().get(f) != simdjson::SUCCESS)
      return Malformed("query", "row without f");
    for (element cell : f) {
      element v;
      std::string_view s;
      if (cell["v"].get(v) != simdjson::SUCCESS || v.is_null()) {
        cells.emplace_back(std::nullopt);
      } else if (v.get_string().get(s) == simdjson::SUCCESS) {
        cells.emplace_back(std::string(s));
      } else {
        cells.emplace_back(simdjson::minify(v));  // RECORD / REPEATED: its JSON text
      }
    }
    page.rows.push_back(std::move(cells));
  }
  return page;
}

}  // namespace opentrack::bigquery::rest_internal
