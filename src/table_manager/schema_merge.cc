#include "table_manager/schema_merge.h"

#include <cctype>

#include "absl/strings/str_cat.h"

namespace opentrack::table_manager {
namespace {

using bigquery::Field;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Field* Find(std::vector<Field>& fields, std::string_view name) {
  std::string lower = Lower(name);
  for (Field& f : fields) {
    if (Lower(f.name) == lower) return &f;
  }
  return nullptr;
}

bool IsRepeated(const Field& f) { return f.mode == "REPEATED"; }

// An added field may not be REQUIRED (tables.patch rejects it), and nested
// REQUIRED fields would make later rows without them invalid.
Field AsAdded(const Field& f) {
  Field out = f;
  out.type = LegacyTypeName(f.type);
  out.mode = IsRepeated(f) ? "REPEATED" : "NULLABLE";
  out.fields.clear();
  for (const Field& sub : f.fields) out.fields.push_back(AsAdded(sub));
  return out;
}

void Merge(std::vector<Field>& target, std::span<const Field> needed, const std::string& prefix,
           SchemaMerge* result) {
  for (const Field& want : needed) {
    Field* have = Find(target, want.name);
    std::string path = prefix + want.name;
    if (have == nullptr) {
      Field added = AsAdded(want);
      target.push_back(added);
      added.name = path;
      result->added.push_back(std::move(added));
      continue;
    }
    std::string have_type = LegacyTypeName(have->type);
    std::string want_type = LegacyTypeName(want.type);
    if (have_type != want_type || IsRepeated(*have) != IsRepeated(want)) {
      auto describe = [](const Field& f, const std::string& type) {
        return IsRepeated(f) ? absl::StrCat("REPEATED ", type) : type;
      };
      result->conflicts.push_back({path, describe(*have, have_type), describe(want, want_type)});
      continue;
    }
    if (have_type == "RECORD") Merge(have->fields, want.fields, path + ".", result);
  }
}

}  // namespace

SchemaMerge MergeColumns(const std::vector<Field>& existing, std::span<const Field> needed) {
  SchemaMerge result;
  result.merged = existing;
  Merge(result.merged, needed, "", &result);
  return result;
}

std::string LegacyTypeName(std::string_view type) {
  std::string t(type);
  for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (t == "INT64") return "INTEGER";
  if (t == "FLOAT64") return "FLOAT";
  if (t == "BOOL") return "BOOLEAN";
  if (t == "STRUCT") return "RECORD";
  return t;
}

std::string FormatTableRef(const bigquery::TableRef& ref) {
  return absl::StrCat(ref.project_id, ":", ref.dataset_id, ".", ref.table_id);
}

std::string DescribeColumns(std::span<const Field> columns) {
  std::string out;
  for (const Field& f : columns) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", f.name, " (", LegacyTypeName(f.type), ")");
  }
  return out;
}

}  // namespace opentrack::table_manager
