#include "emulator/schema.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "emulator/absl_compat.h"
#include "emulator/api_error.h"

namespace opentrack::emulator {
namespace {

constexpr int kMaxColumns = 10000;
constexpr int kMaxDepth = 15;
constexpr size_t kMaxFieldName = 300;

constexpr std::string_view kReservedPrefixes[] = {"_TABLE_",
                                                  "_FILE_",
                                                  "_PARTITION",
                                                  "_ROW_TIMESTAMP",
                                                  "__ROOT__",
                                                  "_COLIDENTIFIER",
                                                  "_CHANGE_SEQUENCE_NUMBER",
                                                  "_CHANGE_TYPE",
                                                  "_CHANGE_TIMESTAMP"};

std::string Upper(std::string_view s) {
  return absl::AsciiStrToUpper(absl::string_view(s.data(), s.size()));
}

bool ValidFieldName(std::string_view name) {
  if (name.empty() || name.size() > kMaxFieldName) return false;
  if (!(absl::ascii_isalpha(name[0]) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(c) || c == '_')) return false;
  }
  return true;
}

absl::Status ParseFields(const Json& fields, int depth, int* count, std::vector<Field>* out) {
  if (depth > kMaxDepth) {
    return Invalid(absl::StrCat("Field nesting depth exceeds the maximum of ", kMaxDepth, "."));
  }
  if (!fields.is_array()) return Invalid("Schema fields must be an array.");
  absl::flat_hash_set<std::string> seen;
  for (const Json& f : fields.items()) {
    if (!f.is_object()) return Invalid("Schema field must be an object.");
    Field field;
    field.name = f.GetString("name");
    if (!ValidFieldName(field.name)) {
      return Invalid(absl::StrCat("Invalid field name \"", field.name,
                                  "\". Fields must contain only letters, numbers, and "
                                  "underscores, start with a letter or underscore, and be at "
                                  "most 300 characters long."));
    }
    const std::string upper = Upper(field.name);
    for (std::string_view prefix : kReservedPrefixes) {
      if (absl::StartsWith(upper, absl::string_view(prefix.data(), prefix.size()))) {
        return Invalid(absl::StrCat(
            "Invalid field name \"", field.name,
            "\". Field names are not allowed to start with the (case-insensitive) prefixes "
            "_PARTITION, _TABLE_, _FILE_, _ROW_TIMESTAMP, __ROOT__ and _COLIDENTIFIER"));
      }
    }
    if (!seen.insert(upper).second) {
      return Invalid(absl::StrCat("Field ", field.name, " already exists in schema"));
    }
    const std::string type = f.GetString("type");
    field.type = LegacyTypeName(type);
    if (field.type.empty()) {
      return Invalid(absl::StrCat("Invalid value for type: ", type, " is not a valid value"));
    }
    field.mode = f.GetString("mode");
    if (field.mode.empty()) field.mode = "NULLABLE";
    field.mode = Upper(field.mode);
    if (field.mode != "NULLABLE" && field.mode != "REQUIRED" && field.mode != "REPEATED") {
      return Invalid(
          absl::StrCat("Invalid value for mode: ", f.GetString("mode"), " is not a valid value"));
    }
    field.description = f.GetString("description");
    if (++*count > kMaxColumns) {
      return Invalid(absl::StrCat("Too many total leaf fields: more than ", kMaxColumns, "."));
    }
    if (field.type == "RECORD") {
      const Json* sub = f.Find("fields");
      if (sub == nullptr || !sub->is_array() || sub->items().empty()) {
        return Invalid(absl::StrCat("Field ", field.name, " is type RECORD but has no schema"));
      }
      absl::Status s = ParseFields(*sub, depth + 1, count, &field.fields);
      if (!s.ok()) return s;
    }
    out->push_back(std::move(field));
  }
  return absl::OkStatus();
}

Json FieldsToJson(const std::vector<Field>& fields) {
  Json arr = Json::Array();
  for (const Field& f : fields) {
    Json j = Json::Object();
    j.Set("name", Json::Str(f.name));
    j.Set("type", Json::Str(f.type));
    j.Set("mode", Json::Str(f.mode));
    if (!f.description.empty()) j.Set("description", Json::Str(f.description));
    if (!f.fields.empty()) j.Set("fields", FieldsToJson(f.fields));
    arr.Push(std::move(j));
  }
  return arr;
}

std::string Mismatch(std::string_view table_ref, std::string_view detail) {
  return absl::StrCat("Provided Schema does not match Table ", AV(table_ref), ". ", AV(detail));
}

struct MergeRules {
  bool patch;  // tables.patch/update wording and rules
  LoadSchemaOptions load;
};

absl::Status Merge(const std::vector<Field>& current, const std::vector<Field>& proposed,
                   const std::string& prefix, std::string_view table_ref, const MergeRules& rules,
                   std::vector<Field>* out) {
  for (const Field& old : current) {
    const Field* next = FindField(proposed, old.name);
    const std::string path = prefix + old.name;
    if (next == nullptr) {
      if (rules.patch) {
        return Invalid(
            Mismatch(table_ref, absl::StrCat("Field ", path, " is missing in new schema")));
      }
      out->push_back(old);  // loads may omit columns
      continue;
    }
    if (next->type != old.type) {
      return Invalid(Mismatch(table_ref, absl::StrCat("Field ", path, " has changed type from ",
                                                      old.type, " to ", next->type)));
    }
    Field merged = old;
    if (next->mode != old.mode) {
      const bool relax = old.mode == "REQUIRED" && next->mode == "NULLABLE";
      if (!relax || (!rules.patch && !rules.load.allow_field_relaxation)) {
        return Invalid(Mismatch(table_ref, absl::StrCat("Field ", path, " has changed mode from ",
                                                        old.mode, " to ", next->mode)));
      }
      merged.mode = next->mode;
    }
    if (rules.patch && !next->description.empty()) merged.description = next->description;
    if (old.type == "RECORD") {
      merged.fields.clear();
      absl::Status s =
          Merge(old.fields, next->fields, path + ".", table_ref, rules, &merged.fields);
      if (!s.ok()) return s;
    }
    out->push_back(std::move(merged));
  }
  for (const Field& f : proposed) {
    if (FindField(current, f.name) != nullptr) continue;
    const std::string path = prefix + f.name;
    if (!rules.patch && !rules.load.allow_field_addition) {
      return Invalid(Mismatch(table_ref, absl::StrCat("Cannot add fields (field: ", path, ")")));
    }
    if (f.mode == "REQUIRED") {
      return Invalid(Mismatch(
          table_ref,
          absl::StrCat("Cannot add required fields to an existing schema. (field: ", path, ")")));
    }
    out->push_back(f);
  }
  return absl::OkStatus();
}

bool IdChar(uint32_t cp) {
  if (cp < 0x80) {
    return absl::ascii_isalnum(static_cast<char>(cp)) || cp == '_' || cp == '-' || cp == ' ';
  }
  // Non-ASCII: accept letters/marks/numbers broadly; reject C1 controls and
  // the general-punctuation and symbol blocks (no Unicode tables here).
  if (cp < 0xA0) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return cp == 0x2010 || cp == 0x2011 || cp == 0x203F;
  return true;
}

}  // namespace

std::string LegacyTypeName(std::string_view type) {
  const std::string t = Upper(type);
  if (t == "INT64" || t == "INTEGER") return "INTEGER";
  if (t == "FLOAT64" || t == "FLOAT") return "FLOAT";
  if (t == "BOOL" || t == "BOOLEAN") return "BOOLEAN";
  if (t == "STRUCT" || t == "RECORD") return "RECORD";
  for (std::string_view k : {"STRING", "BYTES", "TIMESTAMP", "DATE", "TIME", "DATETIME",
                             "GEOGRAPHY", "NUMERIC", "BIGNUMERIC", "JSON", "RANGE"}) {
    if (t == k) return t;
  }
  return "";
}

absl::StatusOr<Schema> ParseSchema(const Json& schema) {
  Schema out;
  const Json* fields = schema.Find("fields");
  if (fields == nullptr) return out;
  int count = 0;
  absl::Status s = ParseFields(*fields, 1, &count, &out);
  if (!s.ok()) return s;
  return out;
}

Json SchemaToJson(const Schema& schema) {
  Json j = Json::Object();
  j.Set("fields", FieldsToJson(schema));
  return j;
}

absl::Status ValidateDatasetId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 1024;
  for (char c : id) ok = ok && (absl::ascii_isalnum(c) || c == '_');
  if (ok) return absl::OkStatus();
  return Invalid(absl::StrCat("Invalid dataset ID \"", AV(id),
                              "\". Dataset IDs must be alphanumeric (plus underscores) and must "
                              "be at most 1024 characters long."));
}

absl::Status ValidateTableId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 1024;
  for (size_t i = 0; ok && i < id.size();) {
    const unsigned char c = id[i];
    uint32_t cp = c;
    int len = 1;
    if (c >= 0xF0) {
      cp = c & 0x07, len = 4;
    } else if (c >= 0xE0) {
      cp = c & 0x0F, len = 3;
    } else if (c >= 0xC0) {
      cp = c & 0x1F, len = 2;
    } else if (c >= 0x80) {
      ok = false;
      break;
    }
    if (i + len > id.size()) {
      ok = false;
      break;
    }
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (id[i + k] & 0x3F);
    ok = IdChar(cp);
    i += len;
  }
  if (ok) return absl::OkStatus();
  return Invalid(absl::StrCat("Invalid table ID \"", AV(id),
                              "\". Table IDs must be alphanumeric (plus underscores) and must be "
                              "at most 1024 characters long. Also, Table decorators cannot be "
                              "used."));
}

absl::Status ValidateJobId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 1024;
  for (char c : id) ok = ok && (absl::ascii_isalnum(c) || c == '_' || c == '-');
  if (ok) return absl::OkStatus();
  return Invalid(absl::StrCat("Invalid job ID \"", AV(id), "\"."));
}

absl::StatusOr<Schema> ApplySchemaUpdate(const Schema& current, const Schema& proposed,
                                         std::string_view table_ref) {
  Schema out;
  absl::Status s = Merge(current, proposed, "", table_ref, MergeRules{true, {}}, &out);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<Schema> ApplyLoadSchema(const Schema& current, const Schema& proposed,
                                       LoadSchemaOptions options, std::string_view table_ref) {
  Schema out;
  absl::Status s = Merge(current, proposed, "", table_ref, MergeRules{false, options}, &out);
  if (!s.ok()) return s;
  return out;
}

const Field* FindField(const Schema& schema, std::string_view name) {
  for (const Field& f : schema) {
    if (absl::EqualsIgnoreCase(f.name, absl::string_view(name.data(), name.size()))) return &f;
  }
  return nullptr;
}

}  // namespace opentrack::emulator
