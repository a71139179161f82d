// A table schema indexed by column name, built once per batch so planning and
// encoding look columns up in O(1), reusing the name hash each Cell carries.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_SCHEMA_INDEX_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_SCHEMA_INDEX_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "warehouse_schema/internal/fast_text.h"
#include "warehouse_schema/types.h"

namespace opentrack::warehouse_schema {

class SchemaIndex {
 public:
  struct Entry {
    ColumnType type;
    std::string key;  // separator, name and colon: ,"name":
  };

  SchemaIndex() = default;
  explicit SchemaIndex(const TableSchema& schema);

  std::optional<ColumnType> Find(std::string_view name) const {
    return Find(Key{name, internal::NameHash(name)});
  }
  std::optional<ColumnType> Find(const Row& row, const Cell& cell) const {
    return Find(Key{row.Name(cell), cell.name_hash});
  }
  // nullptr when the cell's column is not in the schema.
  const Entry* Lookup(const Row& row, const Cell& cell) const {
    auto it = types_.find(Key{row.Name(cell), cell.name_hash});
    return it == types_.end() ? nullptr : &it->second;
  }
  // Adds `name` unless present; true when added.
  bool Add(std::string_view name, ColumnType type);
  void Remove(std::string_view name);
  size_t size() const { return types_.size(); }

 private:
  struct Key {
    std::string_view name;
    uint32_t hash;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(const std::string& s) const { return internal::NameHash(s); }
    size_t operator()(const Key& k) const { return k.hash; }
  };
  struct Eq {
    using is_transparent = void;
    static std::string_view View(const std::string& s) { return s; }
    static std::string_view View(const Key& k) { return k.name; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return View(a) == View(b);
    }
  };

  std::optional<ColumnType> Find(const Key& key) const {
    auto it = types_.find(key);
    if (it == types_.end()) return std::nullopt;
    return it->second.type;
  }

  absl::flat_hash_map<std::string, Entry, Hash, Eq> types_;
};

}  // namespace opentrack::warehouse_schema

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_SCHEMA_INDEX_H_
