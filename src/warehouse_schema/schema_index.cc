#include "warehouse_schema/schema_index.h"

#include "common/json_text.h"

namespace opentrack::warehouse_schema {

namespace {

std::string KeyText(std::string_view name) {
  std::string key = ",";
  AppendJsonString(&key, name);
  key.push_back(':');
  return key;
}

}  // namespace

SchemaIndex::SchemaIndex(const TableSchema& schema) {
  types_.reserve(schema.size());
  for (const Column& c : schema) Add(c.name, c.type);
}

bool SchemaIndex::Add(std::string_view name, ColumnType type) {
  return types_.try_emplace(std::string(name), Entry{type, KeyText(name)}).second;
}

void SchemaIndex::Remove(std::string_view name) {
  auto it = types_.find(Key{name, internal::NameHash(name)});
  if (it != types_.end()) types_.erase(it);
}

}  // namespace opentrack::warehouse_schema
