#include "emulator/values.h"

#include <cmath>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/json_text.h"
#include "common/time_format.h"
#include "emulator/absl_compat.h"

namespace opentrack::emulator {
namespace {

// Text of a scalar as BigQuery quotes it in "bad value" messages.
std::string Shown(const Json& v) {
  if (v.is_string() || v.is_number()) return v.text();
  if (v.is_bool()) return v.bool_value() ? "true" : "false";
  return v.Dump();
}

class RowConverter {
 public:
  RowConverter(bool ignore_unknown, std::vector<RowError>* errors)
      : ignore_unknown_(ignore_unknown), errors_(errors) {}

  // Validates an object against `fields`; returns a normalised copy.
  Json ConvertObject(const std::vector<Field>& fields, const Json& obj, const std::string& prefix,
                     StoredRow* top) {
    Json normalised = Json::Object();
    for (const auto& [key, value] : obj.members()) {
      const Field* f = FindField(fields, key);
      if (f == nullptr) {
        if (!ignore_unknown_)
          Error(prefix + key, absl::StrCat("no such field: ", prefix + key, "."));
        continue;
      }
      const std::string path = prefix + f->name;
      if (value.is_null()) {
        if (f->mode == "REQUIRED") Error(path, absl::StrCat("Missing required field: ", path, "."));
        continue;
      }
      std::optional<SqlValue> stored;
      Json norm;
      if (f->mode == "REPEATED") {
        if (!value.is_array()) {
          Error(path, absl::StrCat("Value of type ", value.is_object() ? "record" : "scalar",
                                   " cannot be used for repeated field: ", path, "."));
          continue;
        }
        norm = Json::Array();
        for (const Json& item : value.items()) {
          if (item.is_null()) {
            Error(path, absl::StrCat("Array specified with a null value for field: ", path, "."));
            continue;
          }
          norm.Push(ConvertElement(*f, item, path));
        }
        stored = SqlValue::Text(norm.Dump());
      } else {
        if (value.is_array()) {
          Error(path, absl::StrCat("Array specified for non-repeated field: ", path, "."));
          continue;
        }
        SqlValue sv;
        norm = ConvertScalarOrRecord(*f, value, path, &sv);
        stored = std::move(sv);
      }
      if (top != nullptr) top->emplace_back(f->name, std::move(*stored));
      normalised.Set(f->name, std::move(norm));
    }
    for (const Field& f : fields) {
      if (f.mode != "REQUIRED") continue;
      const Json* v = nullptr;
      for (const auto& [key, value] : obj.members()) {
        if (absl::EqualsIgnoreCase(AV(key), AV(f.name))) v = &value;
      }
      if (v == nullptr) {
        Error(prefix + f.name, absl::StrCat("Missing required field: ", prefix + f.name, "."));
      }
    }
    return normalised;
  }

 private:
  Json ConvertElement(const Field& f, const Json& value, const std::string& path) {
    SqlValue ignored;
    return ConvertScalarOrRecord(f, value, path, &ignored);
  }

  // Returns the JSON form kept for nested storage; sets `out` for a column.
  Json ConvertScalarOrRecord(const Field& f, const Json& value, const std::string& path,
                             SqlValue* out) {
    if (f.type == "RECORD") {
      if (!value.is_object()) {
        Error(path, absl::StrCat("This field: ", path, " is not a record."));
        return Json();
      }
      Json norm = ConvertObject(f.fields, value, path + ".", nullptr);
      *out = SqlValue::Text(norm.Dump());
      return norm;
    }
    if (value.is_object()) {
      Error(path, absl::StrCat("This field: ", path, " is not a record."));
      return Json();
    }
    *out = ConvertScalar(f.type, value, path);
    switch (out->kind) {
      case SqlValue::Kind::kInt:
        return Json::Int(out->i);
      case SqlValue::Kind::kReal: {
        std::string text;
        AppendJsonDouble(&text, out->d);  // shortest round-trip form
        return text[0] == '"' ? Json::Str(text.substr(1, text.size() - 2)) : Json::Number(text);
      }
      case SqlValue::Kind::kText:
        return Json::Str(out->s);
      default:
        return Json();
    }
  }

  SqlValue ConvertScalar(const std::string& type, const Json& v, const std::string& path) {
    const std::string& text = v.text();
    if (type == "INTEGER") {
      int64_t i;
      if ((v.is_number() || v.is_string()) && absl::SimpleAtoi(AV(text), &i)) {
        return SqlValue::Int(i);
      }
      Error(path, absl::StrCat("Cannot convert value to integer (bad value): ", Shown(v)));
    } else if (type == "FLOAT") {
      double d;
      if (v.is_string() && (text == "NaN" || text == "Infinity" || text == "-Infinity")) {
        // SQLite stores a NaN REAL as NULL, so NaN is kept as text.
        if (text == "NaN") return SqlValue::Text("NaN");
        return SqlValue::Real(text[0] == '-' ? -INFINITY : INFINITY);
      }
      if ((v.is_number() || v.is_string()) && absl::SimpleAtod(AV(text), &d)) {
        if (std::isnan(d)) return SqlValue::Text("NaN");
        return SqlValue::Real(d);
      }
      Error(path, absl::StrCat("Cannot convert value to floating point (bad value): ", Shown(v)));
    } else if (type == "BOOLEAN") {
      if (v.is_bool()) return SqlValue::Int(v.bool_value() ? 1 : 0);
      const std::string lower = absl::AsciiStrToLower(AV(text));
      if (v.is_string() && (lower == "true" || lower == "false")) {
        return SqlValue::Int(lower == "true" ? 1 : 0);
      }
      Error(path, absl::StrCat("Cannot convert value to boolean (bad value): ", Shown(v)));
    } else if (type == "TIMESTAMP") {
      return ConvertTimestamp(v, path);
    } else if (type == "STRING" || type == "BYTES" || type == "JSON" || type == "GEOGRAPHY" ||
               type == "DATE" || type == "TIME" || type == "DATETIME" || type == "NUMERIC" ||
               type == "BIGNUMERIC" || type == "RANGE") {
      if (v.is_bool()) {
        Error(path, "Conversion from bool to string is unsupported.");
      } else if (type == "DATE" && !ParseTimestamp(text, {.allow_date_only = true})) {
        Error(path, absl::StrCat("Invalid date: '", text, "'"));
      } else if ((type == "NUMERIC" || type == "BIGNUMERIC") && !IsDecimal(text)) {
        Error(path, absl::StrCat("Invalid NUMERIC value: ", text));
      } else {
        return SqlValue::Text(text);
      }
    } else {
      Error(path, absl::StrCat("Unsupported type ", type));
    }
    return SqlValue();
  }

  static bool IsDecimal(const std::string& s) {
    double d;
    return absl::SimpleAtod(AV(s), &d) && std::isfinite(d);
  }

  SqlValue ConvertTimestamp(const Json& v, const std::string& path) {
    if (v.is_number() || v.is_string()) {
      double seconds;
      if (v.is_number() && absl::SimpleAtod(AV(v.text()), &seconds)) {
        const double micros = std::round(seconds * 1e6);
        if (micros >= static_cast<double>(kMinTimestampMicros) &&
            micros <= static_cast<double>(kMaxTimestampMicros)) {
          return SqlValue::Int(static_cast<int64_t>(micros));
        }
        Error(path, absl::StrCat("Timestamp field value is out of range:",
                                 absl::StrFormat("%.0f", micros)));
        return SqlValue();
      }
      std::string text = v.text();
      // BigQuery also accepts a trailing " UTC".
      if (text.size() > 4 && text.compare(text.size() - 4, 4, " UTC") == 0)
        text.resize(text.size() - 4);
      if (auto t = ParseTimestamp(text, {.allow_date_only = true})) {
        return SqlValue::Int(absl::ToUnixMicros(*t));
      }
    }
    Error(path, absl::StrCat("Couldn't convert value to timestamp: Could not parse '", Shown(v),
                             "' as a timestamp. Required format is YYYY-MM-DD HH:MM[:SS[.SSSSSS]] "
                             "or YYYY/MM/DD HH:MM[:SS[.SSSSSS]]"));
    return SqlValue();
  }

  void Error(std::string location, std::string message) {
    errors_->push_back({std::move(location), std::move(message)});
  }

  bool ignore_unknown_;
  std::vector<RowError>* errors_;
};

}  // namespace

bool ConvertRow(const Schema& schema, const Json& row, bool ignore_unknown_values, StoredRow* out,
                std::vector<RowError>* errors) {
  const size_t before = errors->size();
  if (!row.is_object()) {
    errors->push_back({"", "Row must be a JSON object."});
    return false;
  }
  RowConverter(ignore_unknown_values, errors).ConvertObject(schema, row, "", out);
  return errors->size() == before;
}

std::string SqlDeclType(const Field& field) {
  if (field.mode == "REPEATED") return absl::StrCat("REPEATED_", field.type, " TEXT");
  if (field.type == "INTEGER") return "INTEGER";
  if (field.type == "FLOAT") return "FLOAT";
  if (field.type == "BOOLEAN") return "BOOLEAN INT";
  if (field.type == "TIMESTAMP") return "TIMESTAMP INT";
  return absl::StrCat(field.type, " TEXT");
}

std::string TypeFromDeclType(std::string_view decl) {
  const std::string first(decl.substr(0, decl.find(' ')));
  if (first.rfind("REPEATED_", 0) == 0) return first;
  return LegacyTypeName(first);
}

}  // namespace opentrack::emulator
