#include "warehouse_schema/naming.h"

#include <array>

#include "warehouse_schema/snake_case.h"

namespace opentrack::warehouse_schema {
namespace {

bool StartsWithDigit(std::string_view s) { return !s.empty() && s[0] >= '0' && s[0] <= '9'; }

// First `keep` bytes, '_', then `hash_digits` hex digits of the hash of `hashed`.
std::string Shorten(std::string_view name, size_t keep, std::string_view hashed,
                    size_t hash_digits) {
  std::string out(name.substr(0, keep));
  out.push_back('_');
  out.append(HashHex(hashed).substr(0, hash_digits));
  return out;
}

constexpr std::array<std::string_view, 8> kSegmentTables = {
    "tracks", "identifies", "users", "pages", "screens", "groups", "aliases", "accounts"};

constexpr std::array<std::string_view, 12> kReservedEverywhere = {
    "id",        "anonymous_id", "user_id",   "received_at", "sent_at", "original_timestamp",
    "timestamp", "uuid_ts",      "loaded_at", "uuid",        "event",   "event_text"};

}  // namespace

uint32_t Fnv1a32(std::string_view s) {
  uint32_t h = 2166136261u;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

std::string HashHex(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  const uint32_t h = Fnv1a32(s);
  std::string out(8, '0');
  for (int i = 0; i < 8; ++i) out[i] = kHex[(h >> (28 - 4 * i)) & 0xF];
  return out;
}

std::string EventTableName(std::string_view raw_event) {
  std::string name = SnakeCase(raw_event);
  if (name.empty()) return "event_" + HashHex(raw_event);
  bool prefix = StartsWithDigit(name);
  for (std::string_view table : kSegmentTables) prefix = prefix || name == table;
  if (prefix) name.insert(name.begin(), '_');
  if (name.size() > kMaxTableNameBytes) {
    name = Shorten(name, kMaxTableNameBytes - 8, raw_event, 7);
  }
  return name;
}

std::string ColumnNameForPath(std::string_view raw_path) {
  std::string name = SnakeCase(raw_path);
  if (name.empty()) return "_" + HashHex(raw_path);
  if (StartsWithDigit(name)) name.insert(name.begin(), '_');
  if (name.size() > kMaxColumnNameBytes) {
    name = Shorten(name, kMaxColumnNameBytes - 9, raw_path, 8);
  }
  return name;
}

uint16_t ReservedColumnMask(std::string_view column) {
  for (std::string_view reserved : kReservedEverywhere) {
    if (column == reserved) return 0xFFFF;
  }
  if (column == "group_id") return TableKindBit(TableKind::kGroups);
  if (column == "previous_id") return TableKindBit(TableKind::kAliases);
  if (column == "name") return TableKindBit(TableKind::kPages) | TableKindBit(TableKind::kScreens);
  if (column == "category") return TableKindBit(TableKind::kPages);
  return 0;
}

std::string SiblingColumnName(std::string_view column, ColumnType type) {
  std::string name(column);
  name.push_back('_');
  name.append(TypeSuffix(type));
  if (name.size() > kMaxColumnNameBytes) {
    const std::string full = name;
    name = Shorten(full, kMaxColumnNameBytes - 9, full, 8);
  }
  return name;
}

}  // namespace opentrack::warehouse_schema
