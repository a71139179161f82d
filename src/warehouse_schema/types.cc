#include "warehouse_schema/types.h"

#include <cctype>

#include "warehouse_schema/internal/fast_text.h"

namespace opentrack::warehouse_schema {

std::string_view BigQueryTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
      return "STRING";
    case ColumnType::kInteger:
      return "INTEGER";
    case ColumnType::kFloat:
      return "FLOAT";
    case ColumnType::kBoolean:
      return "BOOLEAN";
    case ColumnType::kTimestamp:
      return "TIMESTAMP";
  }
  return "STRING";
}

std::string_view TypeSuffix(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
      return "string";
    case ColumnType::kInteger:
      return "integer";
    case ColumnType::kFloat:
      return "float";
    case ColumnType::kBoolean:
      return "boolean";
    case ColumnType::kTimestamp:
      return "timestamp";
  }
  return "string";
}

std::optional<ColumnType> ColumnTypeFromBigQuery(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "STRING") return ColumnType::kString;
  if (upper == "INTEGER" || upper == "INT64") return ColumnType::kInteger;
  if (upper == "FLOAT" || upper == "FLOAT64") return ColumnType::kFloat;
  if (upper == "BOOLEAN" || upper == "BOOL") return ColumnType::kBoolean;
  if (upper == "TIMESTAMP") return ColumnType::kTimestamp;
  return std::nullopt;
}

Cell& Row::AppendCell(std::string_view name, uint32_t name_hash, ColumnType type) {
  Cell& c = cells.emplace_back();
  c.name_hash = name_hash;
  c.name_offset = static_cast<uint32_t>(arena.size());
  c.name_size = static_cast<uint32_t>(name.size());
  c.type = type;
  arena.append(name);
  return c;
}

void Row::AddString(std::string_view name, std::string_view value) {
  Cell& c = AppendCell(name, internal::NameHash(name), ColumnType::kString);
  c.text_offset = static_cast<uint32_t>(arena.size());
  c.text_size = static_cast<uint32_t>(value.size());
  arena.append(value);
}

void Row::AddInteger(std::string_view name, int64_t value) {
  AppendCell(name, internal::NameHash(name), ColumnType::kInteger).integer = value;
}

void Row::AddFloat(std::string_view name, double value) {
  AppendCell(name, internal::NameHash(name), ColumnType::kFloat).floating = value;
}

void Row::AddBoolean(std::string_view name, bool value) {
  AppendCell(name, internal::NameHash(name), ColumnType::kBoolean).boolean = value;
}

void Row::AddTimestamp(std::string_view name, int64_t micros, std::string_view text) {
  Cell& c = AppendCell(name, internal::NameHash(name), ColumnType::kTimestamp);
  c.micros = micros;
  c.text_offset = static_cast<uint32_t>(arena.size());
  c.text_size = static_cast<uint32_t>(text.size());
  arena.append(text);
}

const Cell* Row::Find(std::string_view name) const {
  for (const Cell& c : cells) {
    if (Name(c) == name) return &c;
  }
  return nullptr;
}

}  // namespace opentrack::warehouse_schema
