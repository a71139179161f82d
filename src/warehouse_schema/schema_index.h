// A table schema indexed by column name, built once per batch so planning and
// encoding look columns up in O(1), reusing the name hash each Cell carries.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_SCHEMA_INDEX_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_SCHEMA_INDEX_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "warehouse_schema/internal/fast_text.h"
#include "warehouse_schema/internal/name_table.h"
#include "warehouse_schema/types.h"

namespace opentrack::warehouse_schema {

class SchemaIndex {
 public:
  // A column's key text for encoding. Held inside the entry up to
  // kInlineSize bytes (names of up to 28 bytes), so that writing a cell
  // reads its type and key from one cache line rather than chasing a pointer.
  class PaddedKey {
   public:
    static constexpr size_t kInlineSize = 48;
    PaddedKey() = default;
    explicit PaddedKey(std::string_view padded);
    PaddedKey(const PaddedKey& other) : PaddedKey(other.text()) {}
    PaddedKey& operator=(const PaddedKey& other) {
      if (this != &other) *this = PaddedKey(other.text());
      return *this;
    }
    PaddedKey(PaddedKey&& other) noexcept { *this = std::move(other); }
    PaddedKey& operator=(PaddedKey&& other) noexcept {
      heap_ = std::move(other.heap_);
      std::memcpy(inline_, other.inline_, kInlineSize);
      return *this;
    }

    const char* data() const { return heap_ != nullptr ? heap_.get() + kSizeBytes : inline_; }

   private:
    static constexpr size_t kSizeBytes = sizeof(size_t);
    std::string_view text() const;

    std::unique_ptr<char[]> heap_;  // a longer key: its size, then its text
    char inline_[kInlineSize] = {};
  };
  // One cache line: what encoding a cell reads.
  struct alignas(64) Entry {
    ColumnType type;
    uint32_t key_size;  // of the text in `key`
    // Separator, name and colon (,"name":), then zero padding of 16 to 31
    // bytes so encoding copies it in whole 16-byte blocks.
    PaddedKey key;
    std::string_view KeyText() const { return std::string_view(key.data(), key_size); }
  };

  SchemaIndex() : generation_(NextGeneration()) {}
  explicit SchemaIndex(const TableSchema& schema);
  // Copies and moves get a new generation (the moved-from index too).
  SchemaIndex(const SchemaIndex& other)
      : with_keys_(other.with_keys_), types_(other.types_), generation_(NextGeneration()) {}
  SchemaIndex(SchemaIndex&& other) noexcept
      : with_keys_(other.with_keys_),
        types_(std::move(other.types_)),
        generation_(NextGeneration()) {
    other.generation_ = NextGeneration();
  }
  SchemaIndex& operator=(const SchemaIndex& other) {
    with_keys_ = other.with_keys_;
    types_ = other.types_;
    generation_ = NextGeneration();
    return *this;
  }
  SchemaIndex& operator=(SchemaIndex&& other) noexcept {
    with_keys_ = other.with_keys_;
    types_ = std::move(other.types_);
    generation_ = NextGeneration();
    other.generation_ = NextGeneration();
    return *this;
  }
  // For planning only: types without the key text (Lookup()'s key is empty),
  // which saves building a key per column for every batch.
  static SchemaIndex TypesOnly(const TableSchema& schema);

  std::optional<ColumnType> Find(std::string_view name) const {
    return TypeOf(types_.Find(name, internal::NameHash(name)));
  }
  std::optional<ColumnType> Find(const Row& row, const Cell& cell) const {
    return TypeOf(Lookup(row, cell));
  }
  // nullptr when the cell's column is not in the schema.
  const Entry* Lookup(const Row& row, const Cell& cell) const {
    return types_.Find(row.Name(cell), cell.name_hash);
  }
  // `hash` must be internal::NameHash(name).
  const Entry* Lookup(std::string_view name, uint32_t hash) const {
    return types_.Find(name, hash);
  }
  // Adds `name` unless present; true when added.
  bool Add(std::string_view name, ColumnType type);
  void Remove(std::string_view name);
  size_t size() const { return types_.size(); }

  // Unique to this index in its current columns: never shared by two indexes
  // or two states of one, so an Entry pointer cached with it is valid while
  // the generation still matches.
  uint64_t generation() const { return generation_; }

 private:
  static uint64_t NextGeneration();

  static std::optional<ColumnType> TypeOf(const Entry* e) {
    if (e == nullptr) return std::nullopt;
    return e->type;
  }

  bool with_keys_ = true;
  internal::NameTable<Entry> types_;
  uint64_t generation_;
};

}  // namespace opentrack::warehouse_schema

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_SCHEMA_INDEX_H_
