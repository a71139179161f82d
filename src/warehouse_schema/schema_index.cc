#include "warehouse_schema/schema_index.h"

#include <atomic>
#include <cstring>

#include "common/json_text.h"

namespace opentrack::warehouse_schema {

namespace {

SchemaIndex::Entry MakeEntry(std::string_view name, ColumnType type, bool with_key) {
  if (!with_key) return SchemaIndex::Entry{type, 0, SchemaIndex::PaddedKey()};
  std::string key = ",";
  AppendJsonString(&key, name);
  key.push_back(':');
  const auto size = static_cast<uint32_t>(key.size());
  key.resize((size + 15) / 16 * 16 + 16, '\0');
  return SchemaIndex::Entry{type, size, SchemaIndex::PaddedKey(key)};
}

}  // namespace

SchemaIndex::PaddedKey::PaddedKey(std::string_view padded) {
  char* to = inline_;
  if (padded.size() > kInlineSize) {
    heap_ = std::make_unique<char[]>(kSizeBytes + padded.size());
    const size_t size = padded.size();
    std::memcpy(heap_.get(), &size, kSizeBytes);
    to = heap_.get() + kSizeBytes;
  }
  std::memcpy(to, padded.data(), padded.size());
}

std::string_view SchemaIndex::PaddedKey::text() const {
  if (heap_ == nullptr) return std::string_view(inline_, kInlineSize);
  size_t size;
  std::memcpy(&size, heap_.get(), kSizeBytes);
  return std::string_view(heap_.get() + kSizeBytes, size);
}

uint64_t SchemaIndex::NextGeneration() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

SchemaIndex::SchemaIndex(const TableSchema& schema) : generation_(NextGeneration()) {
  types_.Reserve(schema.size());
  for (const Column& c : schema) Add(c.name, c.type);
}

SchemaIndex SchemaIndex::TypesOnly(const TableSchema& schema) {
  SchemaIndex index;
  index.with_keys_ = false;
  index.types_.Reserve(schema.size());
  for (const Column& c : schema) index.Add(c.name, c.type);
  return index;
}

bool SchemaIndex::Add(std::string_view name, ColumnType type) {
  const uint32_t hash = internal::NameHash(name);
  if (types_.Find(name, hash) != nullptr) return false;
  generation_ = NextGeneration();
  return types_.Insert(name, hash, MakeEntry(name, type, with_keys_)).second;
}

void SchemaIndex::Remove(std::string_view name) {
  generation_ = NextGeneration();
  types_.Erase(name, internal::NameHash(name));
}

}  // namespace opentrack::warehouse_schema
