#include "warehouse_schema/schema_index.h"

namespace opentrack::warehouse_schema {

SchemaIndex::SchemaIndex(const TableSchema& schema) {
  types_.reserve(schema.size());
  for (const Column& c : schema) types_.try_emplace(c.name, c.type);
}

bool SchemaIndex::Add(std::string_view name, ColumnType type) {
  return types_.try_emplace(std::string(name), type).second;
}

void SchemaIndex::Remove(std::string_view name) {
  auto it = types_.find(Key{name, internal::NameHash(name)});
  if (it != types_.end()) types_.erase(it);
}

}  // namespace opentrack::warehouse_schema
