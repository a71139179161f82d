// A string-keyed hash table for the per-cell lookups of the mapper and the
// schema index: keys carry a precomputed internal::NameHash, slots keep the
// 32-bit hash beside the item pointer, so a probe touches one slot and (on a
// hash match) one key, with no rehashing and no memcmp call for short names.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_NAME_TABLE_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_NAME_TABLE_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace opentrack::warehouse_schema::internal {

// Byte equality of two same-length ranges, inlined for short keys.
inline bool SameBytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    uint64_t x, y;
    size_t i = 0;
    for (; i + 8 < n; i += 8) {
      std::memcpy(&x, a + i, 8), std::memcpy(&y, b + i, 8);
      if (x != y) return false;
    }
    std::memcpy(&x, a + n - 8, 8), std::memcpy(&y, b + n - 8, 8);  // last 8, overlapping
    return x == y;
  }
  if (n >= 4) {
    uint32_t x, y, z, w;
    std::memcpy(&x, a, 4), std::memcpy(&y, b, 4);
    std::memcpy(&z, a + n - 4, 4), std::memcpy(&w, b + n - 4, 4);
    return x == y && z == w;
  }
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Open addressing with linear probing. Values never move once inserted
// (pointers stay valid until Clear()). Erase leaves a tombstone: it is rare.
template <typename V>
class NameTable {
 public:
  NameTable() = default;
  NameTable(const NameTable& other) { *this = other; }
  NameTable& operator=(const NameTable& other) {
    if (this == &other) return *this;
    Clear();
    Reserve(other.size_);
    for (const Slot& s : other.slots_) {
      if (s.item != nullptr && s.item != Tombstone()) Insert(s.item->name, s.hash, s.item->value);
    }
    return *this;
  }
  NameTable(NameTable&&) = default;
  NameTable& operator=(NameTable&&) = default;

  // `hash` must be NameHash(name) (any fixed function of the name works, as
  // long as every call for the table uses the same one).
  V* Find(std::string_view name, uint32_t hash) const {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.item == nullptr) return nullptr;
      if (s.hash == hash && s.item != Tombstone() && s.item->name.size() == name.size() &&
          SameBytes(s.item->name.data(), name.data(), name.size())) {
        return &s.item->value;
      }
    }
  }

  // The value for `name`, inserting `value` when absent; true when inserted.
  std::pair<V*, bool> Insert(std::string_view name, uint32_t hash, V value) {
    if (V* found = Find(name, hash)) return {found, false};
    if ((used_ + 1) * 4 > slots_.size() * 3) Rehash(std::max<size_t>(16, size_ * 4));
    Item& item = items_.emplace_back(Item{std::move(value), std::string(name)});
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (slots_[i].item != nullptr) i = (i + 1) & mask;
    slots_[i] = Slot{hash, &item};
    ++used_, ++size_;
    return {&item.value, true};
  }

  bool Erase(std::string_view name, uint32_t hash) {
    if (slots_.empty()) return false;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.item == nullptr) return false;
      if (s.hash == hash && s.item != Tombstone() && s.item->name == name) {
        s.item = Tombstone();  // the item itself stays in items_, unreachable
        --size_;
        return true;
      }
    }
  }

  void Reserve(size_t n) {
    if ((n + 1) * 4 > slots_.size() * 3) Rehash(n * 2);
  }
  void Clear() {
    slots_.clear();
    items_.clear();
    used_ = size_ = 0;
  }
  size_t size() const { return size_; }

 private:
  // The value first: callers read it more often than the name.
  struct Item {
    V value;
    std::string name;
  };
  struct Slot {
    uint32_t hash = 0;
    Item* item = nullptr;  // nullptr: empty; Tombstone(): erased
  };
  // Never a real item's address.
  static Item* Tombstone() { return reinterpret_cast<Item*>(alignof(Item)); }

  // Rebuilds the slots with room for at least `n` (a power of two >= n),
  // dropping tombstones.
  void Rehash(size_t n) {
    size_t capacity = 16;
    while (capacity < n) capacity *= 2;
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    const size_t mask = capacity - 1;
    for (const Slot& s : old) {
      if (s.item == nullptr || s.item == Tombstone()) continue;
      size_t i = s.hash & mask;
      while (slots_[i].item != nullptr) i = (i + 1) & mask;
      slots_[i] = s;
    }
    used_ = size_;
  }

  std::vector<Slot> slots_;  // size: zero or a power of two, at most 3/4 used
  std::deque<Item> items_;   // stable addresses
  size_t used_ = 0;          // live and tombstoned slots
  size_t size_ = 0;          // live items
};

}  // namespace opentrack::warehouse_schema::internal

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_INTERNAL_NAME_TABLE_H_
