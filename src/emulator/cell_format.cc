#include "emulator/cell_format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace opentrack::emulator {
namespace {

// Shortest "%.{p}e" text that reads back as `v`.
std::string ShortestExponent(double v) {
  char buf[40];
  for (int p = 0; p < 17; ++p) {
    std::snprintf(buf, sizeof(buf), "%.*e", p, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string ShortestDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[40];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof(buf), "%.*g", p, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

Json ScalarFromJson(const Field& field, const Json& v, CellOptions options);

Json RecordFromJson(const Field& field, const Json& obj, CellOptions options) {
  Json f = Json::Array();
  for (const Field& sub : field.fields) {
    const Json* v = obj.Find(sub.name);
    Json cell = Json::Object();
    if (v == nullptr || v->is_null()) {
      cell.Set("v", sub.mode == "REPEATED" ? Json::Array() : Json());
    } else if (sub.mode == "REPEATED") {
      Json arr = Json::Array();
      for (const Json& item : v->items()) {
        Json c = Json::Object();
        c.Set("v", sub.type == "RECORD" ? RecordFromJson(sub, item, options)
                                        : ScalarFromJson(sub, item, options));
        arr.Push(std::move(c));
      }
      cell.Set("v", std::move(arr));
    } else {
      cell.Set("v", sub.type == "RECORD" ? RecordFromJson(sub, *v, options)
                                         : ScalarFromJson(sub, *v, options));
    }
    f.Push(std::move(cell));
  }
  Json out = Json::Object();
  out.Set("f", std::move(f));
  return out;
}

// Scalars inside RECORD/REPEATED values, kept as normalised JSON.
Json ScalarFromJson(const Field& field, const Json& v, CellOptions options) {
  if (v.is_null()) return Json();
  if (field.type == "TIMESTAMP" && v.is_number()) {
    SqlValue sv = SqlValue::Int(std::strtoll(v.text().c_str(), nullptr, 10));
    Field flat = field;
    flat.mode = "NULLABLE";
    Json cell = Cell(flat, sv, options);
    return *cell.Find("v");
  }
  if (field.type == "BOOLEAN" && v.is_number())
    return Json::Str(v.text() == "1" ? "true" : "false");
  return Json::Str(v.is_string() || v.is_number() ? v.text() : v.Dump());
}

}  // namespace

std::string JavaDoubleString(double v) {
  if (std::isnan(v) || std::isinf(v)) return ShortestDouble(v);
  if (v == 0) return "0.0";
  const double a = std::fabs(v);
  if (a >= 1e-3 && a < 1e7) {
    char buf[64];
    for (int p = 0; p <= 20; ++p) {
      std::snprintf(buf, sizeof(buf), "%.*f", p, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
    std::string s = buf;
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  // d.dddE<exp>, at least one fraction digit.
  std::string e = ShortestExponent(v);  // like "1.7040672e+09"
  const size_t epos = e.find('e');
  std::string mantissa = e.substr(0, epos);
  const int exponent = std::atoi(e.c_str() + epos + 1);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  return absl::StrCat(mantissa, "E", exponent);
}

Json Cell(const Field& field, const SqlValue& value, CellOptions options) {
  Json cell = Json::Object();
  if (value.kind == SqlValue::Kind::kNull) {
    cell.Set("v", field.mode == "REPEATED" ? Json::Array() : Json());
    return cell;
  }
  if (field.mode == "REPEATED" || field.type == "RECORD") {
    auto parsed = Json::Parse(value.s);
    if (!parsed.ok()) {
      cell.Set("v", Json::Str(value.s));
      return cell;
    }
    if (field.mode == "REPEATED") {
      Json arr = Json::Array();
      for (const Json& item : parsed->items()) {
        Json c = Json::Object();
        c.Set("v", field.type == "RECORD" ? RecordFromJson(field, item, options)
                                          : ScalarFromJson(field, item, options));
        arr.Push(std::move(c));
      }
      cell.Set("v", std::move(arr));
    } else {
      cell.Set("v", RecordFromJson(field, *parsed, options));
    }
    return cell;
  }
  std::string text;
  if (field.type == "TIMESTAMP" && value.kind == SqlValue::Kind::kInt) {
    text = options.int64_timestamp ? absl::StrCat(value.i)
                                   : JavaDoubleString(static_cast<double>(value.i) / 1e6);
  } else if (field.type == "BOOLEAN" && value.kind != SqlValue::Kind::kText) {
    text = (value.kind == SqlValue::Kind::kInt ? value.i != 0 : value.d != 0) ? "true" : "false";
  } else if (value.kind == SqlValue::Kind::kInt) {
    text = absl::StrCat(value.i);
  } else if (value.kind == SqlValue::Kind::kReal) {
    text = field.type == "INTEGER" ? absl::StrCat(static_cast<int64_t>(value.d))
                                   : JavaDoubleString(value.d);
  } else {
    text = value.s;
  }
  cell.Set("v", Json::Str(std::move(text)));
  return cell;
}

Json RowCells(const Schema& schema, const std::vector<SqlValue>& row, CellOptions options) {
  Json f = Json::Array();
  for (size_t i = 0; i < schema.size() && i < row.size(); ++i) {
    f.Push(Cell(schema[i], row[i], options));
  }
  Json out = Json::Object();
  out.Set("f", std::move(f));
  return out;
}

}  // namespace opentrack::emulator
