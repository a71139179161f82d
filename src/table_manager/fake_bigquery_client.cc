#include "table_manager/fake_bigquery_client.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/error_code.h"
#include "common/time_format.h"
#include "simdjson.h"

namespace opentrack::table_manager {
namespace {

using bigquery::Field;
using bigquery::RowError;
using bigquery::TableRef;

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string RefKey(const TableRef& ref) {
  return absl::StrCat(ref.project_id, ":", ref.dataset_id, ".", ref.table_id);
}

std::string DatasetKey(std::string_view project, std::string_view dataset) {
  return absl::StrCat(AV(project), ":", AV(dataset));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// tables.get answers with the legacy type names whatever the table was created with.
std::string LegacyType(std::string_view type) {
  std::string t = Upper(type);
  if (t == "INT64") return "INTEGER";
  if (t == "FLOAT64") return "FLOAT";
  if (t == "BOOL") return "BOOLEAN";
  if (t == "STRUCT") return "RECORD";
  return t;
}

std::vector<Field> Normalize(std::vector<Field> fields) {
  for (Field& f : fields) {
    f.type = LegacyType(f.type);
    f.mode = f.mode.empty() ? "NULLABLE" : Upper(f.mode);
    f.fields = Normalize(std::move(f.fields));
  }
  return fields;
}

absl::Status Invalid(std::string message) {
  return WithErrorCode(absl::InvalidArgumentError(message), "invalid");
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 300) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Names must be valid and unique (case-insensitively) at every level.
absl::Status CheckFields(const std::vector<Field>& fields, const std::string& prefix) {
  std::vector<std::string> seen;
  for (const Field& f : fields) {
    if (!ValidName(f.name)) {
      return Invalid(absl::StrCat("Invalid field name \"", f.name,
                                  "\". Fields must contain only letters, numbers, and "
                                  "underscores, start with a letter or underscore, and be at "
                                  "most 300 characters long."));
    }
    std::string lower = Lower(f.name);
    if (std::find(seen.begin(), seen.end(), lower) != seen.end()) {
      return Invalid(absl::StrCat("Field ", prefix, f.name, " already exists in schema"));
    }
    seen.push_back(lower);
    if (absl::Status s = CheckFields(f.fields, prefix + f.name + "."); !s.ok()) return s;
  }
  return absl::OkStatus();
}

const Field* FindField(const std::vector<Field>& fields, std::string_view name) {
  std::string lower = Lower(name);
  for (const Field& f : fields) {
    if (Lower(f.name) == lower) return &f;
  }
  return nullptr;
}

// tables.patch may only append NULLABLE/REPEATED columns and relax REQUIRED.
absl::Status CheckEvolution(const std::string& table, const std::vector<Field>& old_fields,
                            const std::vector<Field>& new_fields, const std::string& prefix) {
  const std::string head = absl::StrCat("Provided Schema does not match Table ", table, ". ");
  for (const Field& old_field : old_fields) {
    const Field* nf = FindField(new_fields, old_field.name);
    std::string name = prefix + old_field.name;
    if (nf == nullptr)
      return Invalid(absl::StrCat(head, "Field ", name, " is missing in new schema"));
    if (nf->type != old_field.type) {
      return Invalid(absl::StrCat(head, "Field ", name, " has changed type from ", old_field.type,
                                  " to ", nf->type));
    }
    if (nf->mode != old_field.mode && !(old_field.mode == "REQUIRED" && nf->mode == "NULLABLE")) {
      return Invalid(absl::StrCat(head, "Field ", name, " has changed mode from ", old_field.mode,
                                  " to ", nf->mode));
    }
    absl::Status s = CheckEvolution(table, old_field.fields, nf->fields, name + ".");
    if (!s.ok()) return s;
  }
  for (const Field& nf : new_fields) {
    if (FindField(old_fields, nf.name) == nullptr && nf.mode == "REQUIRED") {
      return Invalid(
          absl::StrCat(head, "Cannot add required fields to an existing schema. (field: ", prefix,
                       nf.name, ")"));
    }
  }
  return absl::OkStatus();
}

std::string ValueText(simdjson::dom::element value) {
  std::string_view s;
  if (value.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(value);
}

bool ScalarFits(const std::string& type, simdjson::dom::element value) {
  using simdjson::dom::element_type;
  element_type t = value.type();
  std::string_view s;
  bool is_string = value.get_string().get(s) == simdjson::SUCCESS;
  std::string text(s);
  if (type == "STRING")
    return t != element_type::BOOL && t != element_type::ARRAY && t != element_type::OBJECT;
  if (type == "INTEGER") {
    if (t == element_type::INT64) return true;
    if (!is_string || text.empty()) return false;
    errno = 0;
    char* end = nullptr;
    std::strtoll(text.c_str(), &end, 10);
    return errno == 0 && *end == '\0';
  }
  if (type == "FLOAT" || type == "NUMERIC" || type == "BIGNUMERIC") {
    if (t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE) {
      return true;
    }
    if (!is_string || text.empty()) return false;
    char* end = nullptr;
    std::strtod(text.c_str(), &end);
    return *end == '\0';
  }
  if (type == "BOOLEAN") {
    return t == element_type::BOOL || (is_string && (text == "true" || text == "false"));
  }
  if (type == "TIMESTAMP") {
    if (t == element_type::INT64 || t == element_type::DOUBLE) return true;
    return is_string && ParseTimestamp(s).has_value();
  }
  return t != element_type::ARRAY && t != element_type::OBJECT;
}

std::string TypeWord(const std::string& type) {
  if (type == "INTEGER") return "integer";
  if (type == "FLOAT") return "floating point";
  if (type == "BOOLEAN") return "boolean";
  if (type == "TIMESTAMP") return "timestamp";
  return Lower(type);
}

void CheckValue(const Field& field, simdjson::dom::element value, const std::string& location,
                size_t index, std::vector<RowError>* errors);

void CheckObject(const std::vector<Field>& schema, simdjson::dom::object object,
                 const std::string& prefix, size_t index, std::vector<RowError>* errors) {
  for (auto [key, value] : object) {
    std::string location = prefix + std::string(key);
    const Field* field = FindField(schema, key);
    if (field == nullptr) {
      errors->push_back(
          {index, "invalid", location, absl::StrCat("no such field: ", location, ".")});
      continue;
    }
    CheckValue(*field, value, location, index, errors);
  }
  for (const Field& f : schema) {
    if (f.mode != "REQUIRED") continue;
    bool present = false;
    for (auto [key, value] : object) {
      if (Lower(key) == Lower(f.name) && !value.is_null()) present = true;
    }
    if (!present) {
      errors->push_back({index, "invalid", prefix + f.name,
                         absl::StrCat("Missing required field: ", prefix, f.name, ".")});
    }
  }
}

void CheckValue(const Field& field, simdjson::dom::element value, const std::string& location,
                size_t index, std::vector<RowError>* errors) {
  if (value.is_null()) return;
  if (field.mode == "REPEATED") {
    simdjson::dom::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) {
      errors->push_back({index, "invalid", location,
                         absl::StrCat("Array specified for non-repeated field: ", location, ".")});
      return;
    }
    Field element = field;
    element.mode = "NULLABLE";
    for (simdjson::dom::element item : array) CheckValue(element, item, location, index, errors);
    return;
  }
  if (field.type == "RECORD") {
    simdjson::dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) {
      errors->push_back({index, "invalid", location,
                         absl::StrCat("This field: ", location, " is not a record.")});
      return;
    }
    CheckObject(field.fields, object, location + ".", index, errors);
    return;
  }
  if (!ScalarFits(field.type, value)) {
    std::string message = field.type == "STRING" && value.is_bool()
                              ? std::string("Conversion from bool to string is unsupported.")
                              : absl::StrCat("Cannot convert value to ", TypeWord(field.type),
                                             " (bad value): ", ValueText(value));
    errors->push_back({index, "invalid", location, message});
  }
}

// Returns the row's errors, or a non-OK status when the text is not JSON at all
// (which fails the whole request, as a malformed body would).
absl::StatusOr<std::vector<RowError>> CheckRow(simdjson::dom::parser& parser,
                                               const std::vector<Field>& schema, size_t index,
                                               std::string_view json) {
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) {
    return Invalid(absl::StrCat("Invalid JSON payload received. Row ", index, " is not JSON."));
  }
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return Invalid(
        absl::StrCat("Invalid JSON payload received. Row ", index, " is not an object."));
  }
  std::vector<RowError> errors;
  CheckObject(schema, object, "", index, &errors);
  return errors;
}

absl::Status NotFoundTable(const TableRef& ref) {
  return WithErrorCode(absl::NotFoundError(absl::StrCat("Not found: Table ", RefKey(ref))),
                       "notFound");
}

}  // namespace

FakeBigQueryClient::FakeBigQueryClient(Clock* clock) : clock_(clock) {}

size_t FakeBigQueryClient::RequestBytes(std::span<const bigquery::InsertRow> rows) {
  // {"kind":"bigquery#tableDataInsertAllRequest","skipInvalidRows":false,
  //  "ignoreUnknownValues":false,"rows":[{"insertId":"..","json":..},...]}
  size_t bytes = 112;
  for (const bigquery::InsertRow& row : rows) {
    bytes += row.insert_id.size() + row.json.size() + 24;
  }
  return bytes;
}

absl::Status FakeBigQueryClient::BeginCall(Method method) {
  std::function<void(Method)> hook;
  {
    absl::MutexLock lock(&mu_);
    hook = hook_;
  }
  if (hook) hook(method);
  absl::MutexLock lock(&mu_);
  ++calls_[static_cast<size_t>(method)];
  for (auto it = scripts_.begin(); it != scripts_.end(); ++it) {
    if (it->method == method) {
      absl::Status status = it->status;
      scripts_.erase(it);
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status FakeBigQueryClient::ChargeMetadataUpdate(const TableRef& ref) {
  absl::Time now = clock_->Now();
  std::deque<absl::Time>& updates = updates_[RefKey(ref)];
  while (!updates.empty() && updates.front() <= now - quota_window_) updates.pop_front();
  if (static_cast<int>(updates.size()) >= quota_updates_) {
    return WithErrorCode(absl::ResourceExhaustedError(
                             "Exceeded rate limits: too many table update operations for this "
                             "table. For more information, see "
                             "https://cloud.google.com/bigquery/docs/troubleshoot-quotas"),
                         "rateLimitExceeded");
  }
  updates.push_back(now);
  return absl::OkStatus();
}

std::string FakeBigQueryClient::NextEtag() { return absl::StrCat("etag-", ++etag_counter_); }

FakeBigQueryClient::TableState* FakeBigQueryClient::FindTable(const TableRef& ref) {
  auto it = tables_.find(RefKey(ref));
  return it == tables_.end() ? nullptr : &it->second;
}

std::vector<Field> FakeBigQueryClient::StreamingSchema(const TableState& state) {
  absl::Time now = clock_->Now();
  std::vector<Field> visible;
  for (const Field& f : state.table.schema) {
    auto it = state.column_added_at.find(Lower(f.name));
    if (it == state.column_added_at.end() || it->second + visibility_delay_ <= now) {
      visible.push_back(f);
    }
  }
  return visible;
}

absl::StatusOr<bigquery::Dataset> FakeBigQueryClient::GetDataset(std::string_view project_id,
                                                                 std::string_view dataset_id) {
  if (absl::Status s = BeginCall(Method::kGetDataset); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  auto it = datasets_.find(DatasetKey(project_id, dataset_id));
  if (it == datasets_.end()) {
    return WithErrorCode(absl::NotFoundError(absl::StrCat("Not found: Dataset ",
                                                          DatasetKey(project_id, dataset_id))),
                         "notFound");
  }
  return it->second;
}

absl::StatusOr<bigquery::Dataset> FakeBigQueryClient::InsertDataset(
    const bigquery::Dataset& dataset) {
  if (absl::Status s = BeginCall(Method::kInsertDataset); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  std::string key = DatasetKey(dataset.project_id, dataset.dataset_id);
  if (datasets_.count(key) != 0) {
    return WithErrorCode(absl::AlreadyExistsError(absl::StrCat("Already Exists: Dataset ", key)),
                         "duplicate");
  }
  bigquery::Dataset stored = dataset;
  if (stored.location.empty()) stored.location = "US";
  stored.etag = NextEtag();
  datasets_[key] = stored;
  return stored;
}

absl::StatusOr<bigquery::Table> FakeBigQueryClient::GetTable(const TableRef& ref) {
  if (absl::Status s = BeginCall(Method::kGetTable); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  TableState* state = FindTable(ref);
  if (state == nullptr) return NotFoundTable(ref);
  return state->table;
}

absl::StatusOr<bigquery::Table> FakeBigQueryClient::InsertTable(const bigquery::Table& table) {
  if (absl::Status s = BeginCall(Method::kInsertTable); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  const TableRef& ref = table.ref;
  if (datasets_.count(DatasetKey(ref.project_id, ref.dataset_id)) == 0) {
    return WithErrorCode(absl::NotFoundError(absl::StrCat(
                             "Not found: Dataset ", DatasetKey(ref.project_id, ref.dataset_id))),
                         "notFound");
  }
  if (FindTable(ref) != nullptr) {
    return WithErrorCode(
        absl::AlreadyExistsError(absl::StrCat("Already Exists: Table ", RefKey(ref))), "duplicate");
  }
  std::vector<Field> schema = Normalize(table.schema);
  if (absl::Status s = CheckFields(schema, ""); !s.ok()) return s;
  if (table.time_partitioning && !table.time_partitioning->field.empty()) {
    const Field* f = FindField(schema, table.time_partitioning->field);
    if (f == nullptr || (f->type != "TIMESTAMP" && f->type != "DATE") || f->mode == "REPEATED") {
      return Invalid(
          absl::StrCat("The field specified for time partitioning can only be of type "
                       "TIMESTAMP, DATE or DATETIME. The type found is: ",
                       f == nullptr ? "missing" : f->type));
    }
  }
  for (const std::string& name : table.clustering_fields) {
    if (FindField(schema, name) == nullptr) {
      return Invalid(absl::StrCat(
          "The field specified for clustering cannot be found in the schema.  Invalid field: ",
          name));
    }
  }
  if (absl::Status s = ChargeMetadataUpdate(ref); !s.ok()) return s;
  TableState state;
  state.table = table;
  state.table.schema = std::move(schema);
  state.table.type = "TABLE";
  state.table.etag = NextEtag();
  state.created_at = clock_->Now();
  for (const Field& f : state.table.schema) state.column_added_at[Lower(f.name)] = state.created_at;
  bigquery::Table out = state.table;
  tables_[RefKey(ref)] = std::move(state);
  return out;
}

absl::StatusOr<bigquery::Table> FakeBigQueryClient::PatchTableSchema(
    const TableRef& ref, const std::vector<Field>& schema, std::string_view etag) {
  if (absl::Status s = BeginCall(Method::kPatchTableSchema); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  TableState* state = FindTable(ref);
  if (state == nullptr) return NotFoundTable(ref);
  if (!etag.empty() && etag != state->table.etag) {
    return absl::FailedPreconditionError("Precondition check failed.");
  }
  std::vector<Field> normalized = Normalize(schema);
  if (absl::Status s = CheckFields(normalized, ""); !s.ok()) return s;
  absl::Status s = CheckEvolution(RefKey(ref), state->table.schema, normalized, "");
  if (!s.ok()) return s;
  if (absl::Status q = ChargeMetadataUpdate(ref); !q.ok()) return q;
  absl::Time now = clock_->Now();
  for (const Field& f : normalized) state->column_added_at.emplace(Lower(f.name), now);
  state->table.schema = std::move(normalized);
  state->table.etag = NextEtag();
  return state->table;
}

absl::StatusOr<std::vector<bigquery::Table>> FakeBigQueryClient::ListTables(
    std::string_view project_id, std::string_view dataset_id) {
  if (absl::Status s = BeginCall(Method::kListTables); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  if (datasets_.count(DatasetKey(project_id, dataset_id)) == 0) {
    return absl::NotFoundError(
        absl::StrCat("Not found: Dataset ", DatasetKey(project_id, dataset_id)));
  }
  std::vector<bigquery::Table> out;
  for (const auto& [key, state] : tables_) {
    if (state.table.ref.project_id != project_id || state.table.ref.dataset_id != dataset_id) {
      continue;
    }
    bigquery::Table entry;
    entry.ref = state.table.ref;
    entry.type = state.table.type;
    out.push_back(std::move(entry));
  }
  return out;
}

absl::Status FakeBigQueryClient::DeleteTable(const TableRef& ref) {
  if (absl::Status s = BeginCall(Method::kDeleteTable); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  if (FindTable(ref) == nullptr) return NotFoundTable(ref);
  if (absl::Status s = ChargeMetadataUpdate(ref); !s.ok()) return s;
  tables_.erase(RefKey(ref));
  return absl::OkStatus();
}

absl::StatusOr<bigquery::InsertResult> FakeBigQueryClient::InsertAll(
    const TableRef& ref, std::span<const bigquery::InsertRow> rows,
    const bigquery::InsertOptions& options) {
  if (absl::Status s = BeginCall(Method::kInsertAll); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  insert_all_sizes_.push_back(rows.size());
  if (rows.size() > 50000) {
    return Invalid(absl::StrCat(
        "too many rows present in the request, limit: 50000 row count: ", rows.size(), "."));
  }
  if (RequestBytes(rows) > max_request_bytes_) {
    return WithErrorCode(
        absl::InvalidArgumentError(absl::StrCat(
            "Request payload size exceeds the limit: ", max_request_bytes_, " bytes.")),
        "badRequest");
  }
  TableState* state = FindTable(ref);
  if (state == nullptr || state->created_at + visibility_delay_ > clock_->Now()) {
    return NotFoundTable(ref);
  }
  std::vector<Field> schema = StreamingSchema(*state);
  if (options.ignore_unknown_values) schema = state->table.schema;
  simdjson::dom::parser parser;
  std::vector<std::vector<RowError>> per_row(rows.size());
  bool any_error = false;
  for (size_t i = 0; i < rows.size(); ++i) {
    absl::StatusOr<std::vector<RowError>> errors = CheckRow(parser, schema, i, rows[i].json);
    if (!errors.ok()) return errors.status();
    if (options.ignore_unknown_values) {
      std::erase_if(*errors, [](const RowError& e) { return e.message.starts_with("no such"); });
    }
    any_error = any_error || !errors->empty();
    per_row[i] = std::move(*errors);
  }
  bigquery::InsertResult result;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!per_row[i].empty()) {
      result.row_errors.insert(result.row_errors.end(), per_row[i].begin(), per_row[i].end());
    } else if (any_error && !options.skip_invalid_rows) {
      result.row_errors.push_back({i, "stopped", "", ""});
    } else {
      state->rows.push_back(rows[i]);
    }
  }
  return result;
}

absl::StatusOr<bigquery::QueryResult> FakeBigQueryClient::Query(
    const bigquery::QueryRequest& request) {
  if (absl::Status s = BeginCall(Method::kQuery); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  query_requests_.push_back(request);
  return query_result_;
}

absl::StatusOr<bigquery::Job> FakeBigQueryClient::RunLoadJob(
    const bigquery::LoadJobRequest& request, std::string_view ndjson) {
  if (absl::Status s = BeginCall(Method::kRunLoadJob); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  load_requests_.push_back(request);
  const TableRef& ref = request.destination;
  bigquery::Job job;
  job.project_id = ref.project_id;
  job.job_id =
      request.job_id.empty() ? absl::StrCat("job_", load_requests_.size()) : request.job_id;
  job.location = request.location.empty() ? "US" : request.location;
  job.state = "DONE";
  std::string job_key = absl::StrCat(job.project_id, ":", job.job_id);
  if (jobs_.count(job_key) != 0) {
    return WithErrorCode(absl::AlreadyExistsError(absl::StrCat("Already Exists: Job ", job_key)),
                         "duplicate");
  }
  auto fail = [&](std::string reason, std::string message) {
    job.error_result = bigquery::JobError{std::move(reason), "", std::move(message)};
    job.errors.insert(job.errors.begin(), *job.error_result);
    jobs_[job_key] = job;
    return job;
  };
  TableState* state = FindTable(ref);
  if (state == nullptr) {
    if (request.create_disposition == "CREATE_NEVER") {
      return fail("notFound", absl::StrCat("Not found: Table ", RefKey(ref)));
    }
    return fail("invalid", "CREATE_IF_NEEDED is not supported by FakeBigQueryClient");
  }
  for (const Field& f : Normalize(request.schema)) {
    if (FindField(state->table.schema, f.name) == nullptr) {
      return fail("invalid", absl::StrCat("Provided Schema does not match Table ", RefKey(ref),
                                          ". Cannot add fields (field: ", f.name, ")"));
    }
  }
  if (absl::Status q = ChargeMetadataUpdate(ref); !q.ok()) {
    return fail("rateLimitExceeded", std::string(q.message()));
  }
  simdjson::dom::parser parser;
  std::vector<bigquery::InsertRow> good;
  size_t line_count = 0, bad = 0, position = 0;
  while (position < ndjson.size()) {
    size_t end = ndjson.find('\n', position);
    if (end == std::string_view::npos) end = ndjson.size();
    std::string_view line = ndjson.substr(position, end - position);
    size_t start = position;
    position = end + 1;
    if (line.empty()) continue;
    ++line_count;
    absl::StatusOr<std::vector<RowError>> errors =
        CheckRow(parser, state->table.schema, line_count - 1, line);
    if (errors.ok() && request.ignore_unknown_values) {
      std::erase_if(*errors, [](const RowError& e) { return e.message.starts_with("no such"); });
    }
    if (errors.ok() && errors->empty()) {
      good.push_back({"", std::string(line)});
      continue;
    }
    ++bad;
    std::string detail =
        errors.ok() ? (*errors)[0].message : std::string(errors.status().message());
    job.errors.push_back({"invalid", "",
                          absl::StrCat("Error while reading data, error message: JSON parsing "
                                       "error in row starting at position ",
                                       start, ": ", detail)});
  }
  if (static_cast<int64_t>(bad) > request.max_bad_records) {
    return fail("invalid", absl::StrCat("Error while reading data, error message: JSON table "
                                        "encountered too many errors, giving up. Rows: ",
                                        line_count, "; errors: ", bad,
                                        ". Please look into the errors[] collection for more "
                                        "details."));
  }
  state->rows.insert(state->rows.end(), good.begin(), good.end());
  job.output_rows = static_cast<int64_t>(good.size());
  jobs_[job_key] = job;
  return job;
}

absl::StatusOr<bigquery::Job> FakeBigQueryClient::GetJob(std::string_view project_id,
                                                         std::string_view job_id,
                                                         std::string_view location) {
  if (absl::Status s = BeginCall(Method::kGetJob); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  std::string key = absl::StrCat(AV(project_id), ":", AV(job_id));
  auto it = jobs_.find(key);
  if (it == jobs_.end()) {
    return WithErrorCode(absl::NotFoundError(absl::StrCat("Not found: Job ", key)), "notFound");
  }
  return it->second;
}

void FakeBigQueryClient::FailNext(Method method, absl::Status status, int times) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < times; ++i) scripts_.push_back({method, status});
}

void FakeBigQueryClient::SetBeforeCallHook(std::function<void(Method)> hook) {
  absl::MutexLock lock(&mu_);
  hook_ = std::move(hook);
}

void FakeBigQueryClient::SetVisibilityDelay(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  visibility_delay_ = delay;
}

void FakeBigQueryClient::SetMetadataQuota(int updates, absl::Duration window) {
  absl::MutexLock lock(&mu_);
  quota_updates_ = updates;
  quota_window_ = window;
}

void FakeBigQueryClient::SetMaxRequestBytes(size_t bytes) {
  absl::MutexLock lock(&mu_);
  max_request_bytes_ = bytes;
}

void FakeBigQueryClient::SetQueryResult(bigquery::QueryResult result) {
  absl::MutexLock lock(&mu_);
  query_result_ = std::move(result);
}

int FakeBigQueryClient::Calls(Method method) const {
  absl::MutexLock lock(&mu_);
  return calls_[static_cast<size_t>(method)];
}

int FakeBigQueryClient::TotalCalls() const {
  absl::MutexLock lock(&mu_);
  int total = 0;
  for (int c : calls_) total += c;
  return total;
}

int FakeBigQueryClient::MetadataCalls() const {
  return Calls(Method::kGetDataset) + Calls(Method::kInsertDataset) + Calls(Method::kGetTable) +
         Calls(Method::kInsertTable) + Calls(Method::kPatchTableSchema) +
         Calls(Method::kDeleteTable);
}

void FakeBigQueryClient::ResetCalls() {
  absl::MutexLock lock(&mu_);
  calls_ = {};
  insert_all_sizes_.clear();
}

std::vector<bigquery::InsertRow> FakeBigQueryClient::Rows(const TableRef& ref) const {
  absl::MutexLock lock(&mu_);
  auto it = tables_.find(RefKey(ref));
  return it == tables_.end() ? std::vector<bigquery::InsertRow>() : it->second.rows;
}

std::optional<bigquery::Table> FakeBigQueryClient::PeekTable(const TableRef& ref) const {
  absl::MutexLock lock(&mu_);
  auto it = tables_.find(RefKey(ref));
  if (it == tables_.end()) return std::nullopt;
  return it->second.table;
}

bool FakeBigQueryClient::HasDataset(std::string_view project_id,
                                    std::string_view dataset_id) const {
  absl::MutexLock lock(&mu_);
  return datasets_.count(DatasetKey(project_id, dataset_id)) != 0;
}

std::vector<size_t> FakeBigQueryClient::InsertAllBatchSizes() const {
  absl::MutexLock lock(&mu_);
  return insert_all_sizes_;
}

std::vector<bigquery::LoadJobRequest> FakeBigQueryClient::LoadJobRequests() const {
  absl::MutexLock lock(&mu_);
  return load_requests_;
}

std::vector<bigquery::QueryRequest> FakeBigQueryClient::QueryRequests() const {
  absl::MutexLock lock(&mu_);
  return query_requests_;
}

}  // namespace opentrack::table_manager
