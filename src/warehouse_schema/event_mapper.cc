#include "warehouse_schema/event_mapper.h"

#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/time_format.h"
#include "warehouse_schema/internal/fast_text.h"
#include "warehouse_schema/internal/fast_time.h"
#include "warehouse_schema/json_compact.h"
#include "warehouse_schema/row_encoder.h"

namespace opentrack::warehouse_schema {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Interned ids of the standard and per-table columns, fixed at construction.
enum FixedId : uint32_t {
  kIdId,
  kAnonymousIdId,
  kUserIdId,
  kReceivedAtId,
  kSentAtId,
  kOriginalTimestampId,
  kTimestampId,
  kUuidTsId,
  kLoadedAtId,
  kEventId,
  kEventTextId,
  kNameId,
  kCategoryId,
  kGroupIdId,
  kPreviousIdId,
  kFixedIdCount
};
constexpr std::string_view kFixedNames[kFixedIdCount] = {
    "id",        "anonymous_id", "user_id",    "received_at", "sent_at",    "original_timestamp",
    "timestamp", "uuid_ts",      "loaded_at",  "event",       "event_text", "name",
    "category",  "group_id",     "previous_id"};

struct Timestamp {
  std::string_view text;
  int64_t micros = 0;
};

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("normalized event: ", absl::string_view(what.data(), what.size())));
}

std::string Quoted(std::string_view s) {
  return absl::StrCat("\"", absl::string_view(s.data(), s.size()), "\"");
}

}  // namespace

struct EventMapper::Event {
  TableKind kind = TableKind::kTracks;
  std::string_view message_id;
  std::optional<std::string_view> anonymous_id, user_id, event, name, category, group_id,
      previous_id;
  std::optional<Timestamp> received_at, sent_at, original_timestamp, timestamp;
  std::optional<object> context, properties, traits;
  int64_t loaded_micros = 0;
};

EventMapper::EventMapper() {
  for (std::string_view name : kFixedNames) {
    Intern(std::string(name));
    fixed_hashes_.push_back(internal::NameHash(name));
  }
}

uint32_t EventMapper::Intern(const std::string& name) {
  auto [it, inserted] = ids_.try_emplace(name, static_cast<uint32_t>(ids_.size()));
  if (inserted) claimed_.push_back(0);
  return it->second;
}

void EventMapper::ResetCachesIfFull() {
  if (columns_.size() < kMaxCachedNames && tables_.size() < kMaxCachedNames) return;
  columns_.Clear();
  tables_.clear();
  ids_.clear();
  claimed_.clear();
  stamp_ = 0;
  for (std::string_view name : kFixedNames) Intern(std::string(name));
}

const EventMapper::ColumnName& EventMapper::LookupColumn() {
  const uint32_t path_hash = internal::NameHash(path_);
  if (const ColumnName* found = columns_.Find(path_, path_hash)) return *found;
  ColumnName entry;
  entry.name = ColumnNameForPath(path_);
  entry.prefixed = "_" + entry.name;
  entry.reserved_mask = ReservedColumnMask(entry.name);
  entry.hash = internal::NameHash(entry.name);
  entry.prefixed_hash = internal::NameHash(entry.prefixed);
  entry.id = Intern(entry.name);
  entry.prefixed_id = entry.reserved_mask != 0 ? Intern(entry.prefixed) : entry.id;
  return *columns_.Insert(path_, path_hash, std::move(entry)).first;
}

const std::string& EventMapper::LookupTable(std::string_view raw_event) {
  const absl::string_view key(raw_event.data(), raw_event.size());
  auto it = tables_.find(key);
  if (it != tables_.end()) return it->second;
  return tables_.emplace(std::string(raw_event), EventTableName(raw_event)).first->second;
}

namespace {

absl::Status ReadString(const element& v, std::string_view key,
                        std::optional<std::string_view>* out) {
  if (v.is_null()) return absl::OkStatus();
  std::string_view s;
  if (v.get_string().get(s)) return Invalid(absl::StrCat(Quoted(key), " must be a string"));
  *out = s;
  return absl::OkStatus();
}

absl::Status ReadTimestamp(const element& v, std::string_view key, std::optional<Timestamp>* out) {
  std::optional<std::string_view> text;
  if (absl::Status s = ReadString(v, key, &text); !s.ok() || !text) return s;
  const std::optional<int64_t> micros = internal::ParseTimestampMicros(*text);
  if (!micros) {
    return Invalid(absl::StrCat(Quoted(key), " is not an RFC 3339 timestamp: ", Quoted(*text)));
  }
  *out = Timestamp{*text, *micros};
  return absl::OkStatus();
}

absl::Status ReadObject(const element& v, std::string_view key, std::optional<object>* out) {
  if (v.is_null()) return absl::OkStatus();
  object o;
  if (v.get_object().get(o)) return Invalid(absl::StrCat(Quoted(key), " must be an object"));
  *out = o;
  return absl::OkStatus();
}

std::optional<TableKind> KindOfType(std::string_view type) {
  if (type == "track") return TableKind::kTracks;
  if (type == "identify") return TableKind::kIdentifies;
  if (type == "page") return TableKind::kPages;
  if (type == "screen") return TableKind::kScreens;
  if (type == "group") return TableKind::kGroups;
  if (type == "alias") return TableKind::kAliases;
  return std::nullopt;
}

}  // namespace

absl::Status EventMapper::Parse(std::string_view json, Event* e) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; keep a padded copy.
  if (padded_.size() < json.size() + simdjson::SIMDJSON_PADDING) {
    padded_.resize(json.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(padded_.data(), json.data(), json.size());
  element doc;
  if (const auto error = parser_.parse(padded_.data(), json.size(), false).get(doc)) {
    return Invalid(absl::StrCat("not valid JSON: ", simdjson::error_message(error)));
  }
  object root;
  if (doc.get_object().get(root)) return Invalid("not a JSON object");
  std::optional<std::string_view> type, message_id;
  for (const simdjson::dom::key_value_pair field : root) {
    const std::string_view k = field.key;
    const element& v = field.value;
    absl::Status s;
    if (k == "type")
      s = ReadString(v, k, &type);
    else if (k == "messageId")
      s = ReadString(v, k, &message_id);
    else if (k == "anonymousId")
      s = ReadString(v, k, &e->anonymous_id);
    else if (k == "userId")
      s = ReadString(v, k, &e->user_id);
    else if (k == "receivedAt")
      s = ReadTimestamp(v, k, &e->received_at);
    else if (k == "sentAt")
      s = ReadTimestamp(v, k, &e->sent_at);
    else if (k == "originalTimestamp")
      s = ReadTimestamp(v, k, &e->original_timestamp);
    else if (k == "timestamp")
      s = ReadTimestamp(v, k, &e->timestamp);
    else if (k == "event")
      s = ReadString(v, k, &e->event);
    else if (k == "name")
      s = ReadString(v, k, &e->name);
    else if (k == "category")
      s = ReadString(v, k, &e->category);
    else if (k == "groupId")
      s = ReadString(v, k, &e->group_id);
    else if (k == "previousId")
      s = ReadString(v, k, &e->previous_id);
    else if (k == "context")
      s = ReadObject(v, k, &e->context);
    else if (k == "properties")
      s = ReadObject(v, k, &e->properties);
    else if (k == "traits")
      s = ReadObject(v, k, &e->traits);
    if (!s.ok()) return s;
  }
  if (!type) return Invalid("\"type\" is missing");
  const std::optional<TableKind> kind = KindOfType(*type);
  if (!kind) {
    return Invalid(absl::StrCat(
        "\"type\" must be track, identify, page, screen, group or alias; got ", Quoted(*type)));
  }
  e->kind = *kind;
  if (!message_id || message_id->empty()) return Invalid("\"messageId\" is missing");
  e->message_id = *message_id;
  if (!e->received_at) return Invalid("\"receivedAt\" is missing");
  if (!e->anonymous_id && !e->user_id)
    return Invalid("neither \"userId\" nor \"anonymousId\" is present");
  if (e->kind == TableKind::kTracks && !e->event) return Invalid("track without \"event\"");
  if (e->kind == TableKind::kGroups && !e->group_id) return Invalid("group without \"groupId\"");
  if (e->kind == TableKind::kAliases && !e->previous_id) {
    return Invalid("alias without \"previousId\"");
  }
  return absl::OkStatus();
}

absl::Status EventMapper::Map(std::string_view json, absl::Time loaded_at, std::vector<Row>* rows) {
  ResetCachesIfFull();
  Event e;
  if (absl::Status s = Parse(json, &e); !s.ok()) return s;
  e.loaded_micros = absl::ToUnixMicros(loaded_at);
  loaded_at_text_.clear();
  AppendTimestampMicrosText(e.loaded_micros, &loaded_at_text_);

  // Context columns are the same on every row of the event: build them once.
  context_.arena.clear();
  context_.cells.clear();
  context_ids_.clear();
  if (e.context) {
    if (++stamp_ == 0) std::fill(claimed_.begin(), claimed_.end(), 0), stamp_ = 1;
    path_.assign("context");
    Flatten(*e.context, 0, &context_);
    path_.clear();  // properties and traits are not prefixed
  }
  arena_hint_ = json.size() + 64;
  cells_hint_ = context_.cells.size() + 48;

  const auto bit = TableKindBit;
  switch (e.kind) {
    case TableKind::kTracks: {
      const std::string& table = LookupTable(*e.event);
      for (const bool event_table : {false, true}) {
        Row& row = event_table ? StartRow(e, table, rows) : StartRow(e, "tracks", rows, false);
        AddStandard(e, true, e.message_id, &row);
        AddFixedString(kEventId, table, &row);
        AddFixedString(kEventTextId, *e.event, &row);
        AddContext(&row);
        if (event_table && e.properties) Flatten(*e.properties, bit(TableKind::kEvent), &row);
      }
      break;
    }
    case TableKind::kIdentifies:
    case TableKind::kGroups: {
      const bool is_group = e.kind == TableKind::kGroups;
      Row& row = StartRow(e, is_group ? "groups" : "identifies", rows);
      AddStandard(e, true, e.message_id, &row);
      if (is_group) AddFixedString(kGroupIdId, *e.group_id, &row);
      AddContext(&row);
      if (e.traits) Flatten(*e.traits, bit(e.kind), &row);
      // users / accounts: the latest state of a user or group, keyed on its id.
      const std::optional<std::string_view> key = is_group ? e.group_id : e.user_id;
      if (key) {
        const TableKind kind = is_group ? TableKind::kAccounts : TableKind::kUsers;
        Row& state = StartRow(e, is_group ? "accounts" : "users", rows);
        AddStandard(e, false, *key, &state);
        AddContext(&state);
        if (e.traits) Flatten(*e.traits, bit(kind), &state);
      }
      break;
    }
    case TableKind::kPages:
    case TableKind::kScreens: {
      const bool is_page = e.kind == TableKind::kPages;
      Row& row = StartRow(e, is_page ? "pages" : "screens", rows);
      AddStandard(e, true, e.message_id, &row);
      if (e.name) AddFixedString(kNameId, *e.name, &row);
      if (is_page && e.category) AddFixedString(kCategoryId, *e.category, &row);
      AddContext(&row);
      if (e.properties) Flatten(*e.properties, bit(e.kind), &row);
      break;
    }
    case TableKind::kAliases: {
      Row& row = StartRow(e, "aliases", rows);
      AddStandard(e, true, e.message_id, &row);
      AddFixedString(kPreviousIdId, *e.previous_id, &row);
      AddContext(&row);
      if (e.traits) Flatten(*e.traits, bit(TableKind::kAliases), &row);
      break;
    }
    default:
      break;
  }
  return absl::OkStatus();
}

Row& EventMapper::StartRow(const Event& e, std::string table, std::vector<Row>* rows,
                           bool payload) {
  if (++stamp_ == 0) std::fill(claimed_.begin(), claimed_.end(), 0), stamp_ = 1;
  Row& row = rows->emplace_back();
  row.table = std::move(table);
  row.insert_id.assign(e.message_id);
  row.received_at = absl::FromUnixMicros(e.received_at->micros);
  // Standard columns and context only (the tracks row): much less than the event.
  row.arena.reserve(payload ? arena_hint_ : context_.arena.size() + 512);
  row.cells.reserve(payload ? cells_hint_ : context_.cells.size() + 16);
  return row;
}

bool EventMapper::Claim(uint32_t id) {
  if (claimed_[id] == stamp_) return false;
  claimed_[id] = stamp_;
  return true;
}

void EventMapper::AddFixedString(uint32_t id, std::string_view value, Row* row) {
  Cell& c = row->AppendCell(kFixedNames[id], fixed_hashes_[id], ColumnType::kString);
  c.text_offset = static_cast<uint32_t>(row->arena.size());
  c.text_size = static_cast<uint32_t>(value.size());
  row->arena.append(value);
  Claim(id);
}

void EventMapper::AddFixedTimestamp(uint32_t id, int64_t micros, std::string_view text, Row* row) {
  Cell& c = row->AppendCell(kFixedNames[id], fixed_hashes_[id], ColumnType::kTimestamp);
  c.micros = micros;
  c.text_offset = static_cast<uint32_t>(row->arena.size());
  c.text_size = static_cast<uint32_t>(text.size());
  row->arena.append(text);
  Claim(id);
}

void EventMapper::AddStandard(const Event& e, bool full, std::string_view id, Row* row) {
  auto add_time = [&](uint32_t fixed_id, const std::optional<Timestamp>& t) {
    if (t) AddFixedTimestamp(fixed_id, t->micros, t->text, row);
  };
  AddFixedString(kIdId, id, row);
  if (full) {
    if (e.anonymous_id) AddFixedString(kAnonymousIdId, *e.anonymous_id, row);
    if (e.user_id) AddFixedString(kUserIdId, *e.user_id, row);
  }
  add_time(kReceivedAtId, e.received_at);
  if (full) {
    add_time(kSentAtId, e.sent_at);
    add_time(kOriginalTimestampId, e.original_timestamp);
    add_time(kTimestampId, e.timestamp);
  }
  AddFixedTimestamp(kUuidTsId, e.loaded_micros, loaded_at_text_, row);
  AddFixedTimestamp(kLoadedAtId, e.loaded_micros, loaded_at_text_, row);
}

void EventMapper::AddContext(Row* row) {
  const auto base = static_cast<uint32_t>(row->arena.size());
  row->arena.append(context_.arena);
  for (Cell c : context_.cells) {
    c.name_offset += base;
    c.text_offset += base;
    row->cells.push_back(c);
  }
  for (const uint32_t id : context_ids_) claimed_[id] = stamp_;
}

void EventMapper::Flatten(const object& obj, uint16_t table_bit, Row* row) {
  for (const simdjson::dom::key_value_pair field : obj) {
    const size_t mark = path_.size();
    if (!path_.empty()) path_.push_back('_');
    path_.append(field.key);
    const element& v = field.value;
    if (v.type() == element_type::OBJECT) {
      const object child = v.get_object().value_unsafe();
      Flatten(child, table_bit, row);
    } else if (!v.is_null()) {
      AddValue(v, table_bit, row);
    }
    path_.resize(mark);
  }
}

void EventMapper::AddValue(const element& v, uint16_t table_bit, Row* row) {
  const ColumnName& column = LookupColumn();
  const bool reserved = (column.reserved_mask & table_bit) != 0;
  const uint32_t id = reserved ? column.prefixed_id : column.id;
  if (!Claim(id)) return;  // an earlier path produced the same column: first value wins
  if (row == &context_) context_ids_.push_back(id);
  const std::string_view name = reserved ? column.prefixed : column.name;
  const uint32_t hash = reserved ? column.prefixed_hash : column.hash;
  switch (v.type()) {
    case element_type::BOOL:
      row->AppendCell(name, hash, ColumnType::kBoolean).boolean = v.get_bool().value_unsafe();
      break;
    case element_type::INT64:
      row->AppendCell(name, hash, ColumnType::kInteger).integer = v.get_int64().value_unsafe();
      break;
    case element_type::UINT64:  // beyond int64
      row->AppendCell(name, hash, ColumnType::kFloat).floating =
          static_cast<double>(v.get_uint64().value_unsafe());
      break;
    case element_type::DOUBLE:
      row->AppendCell(name, hash, ColumnType::kFloat).floating = v.get_double().value_unsafe();
      break;
    case element_type::STRING: {
      const std::string_view s = v.get_string().value_unsafe();
      const std::optional<int64_t> micros = internal::ParseTimestampMicros(s);
      Cell& c = row->AppendCell(name, hash, micros ? ColumnType::kTimestamp : ColumnType::kString);
      if (micros) c.micros = *micros;
      c.text_offset = static_cast<uint32_t>(row->arena.size());
      c.text_size = static_cast<uint32_t>(s.size());
      row->arena.append(s);
      break;
    }
    default: {  // ARRAY: stored as compact JSON text
      const auto offset = static_cast<uint32_t>(row->arena.size());
      AppendCompactJson(v, &row->arena);
      Cell& c = row->AppendCell(name, hash, ColumnType::kString);
      // AppendCell put the name after the JSON text; both stay in the arena.
      c.text_offset = offset;
      c.text_size = c.name_offset - offset;
      break;
    }
  }
}

}  // namespace opentrack::warehouse_schema
