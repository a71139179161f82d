#include "warehouse_schema/event_mapper.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "common/padded_parse.h"
#include "common/time_format.h"
#include "warehouse_schema/internal/fast_text.h"
#include "warehouse_schema/internal/fast_time.h"
#include "warehouse_schema/internal/value_router.h"
#include "warehouse_schema/internal/value_writer.h"
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
static_assert(kFixedIdCount <= 16, "EventMapper::fixed_entries_ has 16 rows");
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
  for (uint32_t id = 0; id < kFixedIdCount; ++id) {
    ColumnName& column = fixed_columns_[id];
    column.name = std::string(kFixedNames[id]);
    column.hash = internal::NameHash(column.name);
    column.id = Intern(column.name);
  }
}

uint32_t EventMapper::Intern(const std::string& name) {
  auto [it, inserted] = ids_.try_emplace(name, static_cast<uint32_t>(ids_.size()));
  if (inserted) claimed_.push_back(0);
  return it->second;
}

void EventMapper::ResetCachesIfFull() {
  if (columns_.size() < kMaxCachedNames && tables_.size() < kMaxCachedNames &&
      nodes_.size() < kMaxCachedNames && region_shapes_.size() < kMaxCachedNames &&
      region_fits_.size() < kMaxCachedNames) {
    return;
  }
  columns_.Clear();
  tables_.clear();
  nodes_.clear();          // its guesses point into columns_
  region_shapes_.clear();  // signatures hold columns_' addresses
  region_fits_.clear();
  context_node_ = kNoNode;
  std::fill(std::begin(kind_nodes_), std::end(kind_nodes_), kNoNode);
  ids_.clear();
  claimed_.clear();
  stamp_ = 0;
  for (std::string_view name : kFixedNames) Intern(std::string(name));
}

void EventMapper::AppendPath(const PathKey* key) {
  if (key == nullptr) return;
  AppendPath(key->parent);
  if (!path_.empty()) path_.push_back('_');
  path_.append(key->key);
}

const EventMapper::ColumnName& EventMapper::LookupColumn(const PathKey* parent,
                                                         std::string_view key) {
  path_.clear();
  AppendPath(parent);
  if (!path_.empty()) path_.push_back('_');
  path_.append(key);
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

EventMapper::EventTable& EventMapper::LookupTable(std::string_view raw_event) {
  const absl::string_view key(raw_event.data(), raw_event.size());
  auto it = tables_.find(key);
  if (it != tables_.end()) return it->second;
  return tables_.emplace(std::string(raw_event), EventTable{EventTableName(raw_event), kNoNode})
      .first->second;
}

uint32_t EventMapper::NewNode() {
  nodes_.emplace_back();
  return static_cast<uint32_t>(nodes_.size() - 1);
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

// `k == literal`, inlined: string_view's == was an out-of-line memcmp call
// for each top-level key.
template <size_t N>
bool Is(std::string_view k, const char (&literal)[N]) {
  return k.size() == N - 1 && internal::SameBytes(k.data(), literal, N - 1);
}

std::optional<TableKind> KindOfType(std::string_view type) {
  if (Is(type, "track")) return TableKind::kTracks;
  if (Is(type, "identify")) return TableKind::kIdentifies;
  if (Is(type, "page")) return TableKind::kPages;
  if (Is(type, "screen")) return TableKind::kScreens;
  if (Is(type, "group")) return TableKind::kGroups;
  if (Is(type, "alias")) return TableKind::kAliases;
  return std::nullopt;
}

}  // namespace

absl::Status EventMapper::Parse(std::string_view json, size_t readable_after_end, Event* e) {
  element doc;
  if (const auto error = ParsePadded(parser_, json, readable_after_end, &padded_).get(doc)) {
    return Invalid(absl::StrCat("not valid JSON: ", simdjson::error_message(error)));
  }
  object root;
  if (doc.get_object().get(root)) return Invalid("not a JSON object");
  std::optional<std::string_view> type, message_id;
  for (const simdjson::dom::key_value_pair field : root) {
    const std::string_view k = field.key;
    const element& v = field.value;
    // By length first: most keys are then told apart by one comparison.
    absl::Status s;
    switch (k.size()) {
      case 4:
        if (Is(k, "type")) s = ReadString(v, k, &type);
        if (Is(k, "name")) s = ReadString(v, k, &e->name);
        break;
      case 5:
        if (Is(k, "event")) s = ReadString(v, k, &e->event);
        break;
      case 6:
        if (Is(k, "userId")) s = ReadString(v, k, &e->user_id);
        if (Is(k, "sentAt")) s = ReadTimestamp(v, k, &e->sent_at);
        if (Is(k, "traits")) s = ReadObject(v, k, &e->traits);
        break;
      case 7:
        if (Is(k, "groupId")) s = ReadString(v, k, &e->group_id);
        if (Is(k, "context")) s = ReadObject(v, k, &e->context);
        break;
      case 8:
        if (Is(k, "category")) s = ReadString(v, k, &e->category);
        break;
      case 9:
        if (Is(k, "messageId")) s = ReadString(v, k, &message_id);
        if (Is(k, "timestamp")) s = ReadTimestamp(v, k, &e->timestamp);
        break;
      case 10:
        if (Is(k, "receivedAt")) s = ReadTimestamp(v, k, &e->received_at);
        if (Is(k, "previousId")) s = ReadString(v, k, &e->previous_id);
        if (Is(k, "properties")) s = ReadObject(v, k, &e->properties);
        break;
      case 11:
        if (Is(k, "anonymousId")) s = ReadString(v, k, &e->anonymous_id);
        break;
      case 17:
        if (Is(k, "originalTimestamp")) s = ReadTimestamp(v, k, &e->original_timestamp);
        break;
      default:
        break;
    }
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

namespace {

Cell ValueCell(ColumnType type) {
  Cell c;
  c.type = type;
  return c;
}

// A string value's cell: TIMESTAMP when the text reads as one, else STRING.
Cell StringCell(std::string_view text) {
  Cell c = ValueCell(ColumnType::kString);
  if (const std::optional<int64_t> micros = internal::ParseTimestampMicros(text)) {
    c.type = ColumnType::kTimestamp;
    c.micros = *micros;
  }
  return c;
}

using ColumnRef = EventMapper::ColumnRef;
using ColumnName = EventMapper::ColumnName;
// Where a cell's schema entry is cached for the row's table (nullptr in the
// cell: not looked up yet).
using Cached = const SchemaIndex::Entry**;

// Cells appended to a Row, for PlanSchema and the debug output.
class RowOut {
 public:
  explicit RowOut(Row* row) : row_(row) {}
  static constexpr size_t cache_slot() { return EventMapper::kNoCacheSlot; }
  static constexpr uint64_t generation() { return 0; }

  void Add(ColumnRef column, const Cell& value, std::string_view text, Cached /*unused*/) {
    const std::string_view name = column.name();
    Cell& c = row_->cells.emplace_back(value);
    c.name_hash = column.hash();
    c.name_offset = static_cast<uint32_t>(row_->arena.size());
    c.name_size = static_cast<uint32_t>(name.size());
    row_->arena.append(name);
    c.text_offset = static_cast<uint32_t>(row_->arena.size());
    c.text_size = static_cast<uint32_t>(text.size());
    row_->arena.append(text);
  }
  void AddString(ColumnRef column, std::string_view text, Cached cached) {
    Add(column, StringCell(text), text, cached);
  }
  void AddArray(ColumnRef column, const element& array, Cached cached, std::string* scratch) {
    scratch->clear();
    AppendCompactJson(array, scratch);
    Add(column, ValueCell(ColumnType::kString), *scratch, cached);
  }
  Row& row() { return *row_; }

 private:
  Row* row_;
};

// The columns a row already has, for sibling routing (value_router.h): an
// earlier cell's name is never a sibling candidate.
struct RowClaims {
  const absl::flat_hash_map<std::string, uint32_t>* ids;  // column name -> interned id
  const std::vector<uint32_t>* claimed;                   // id -> stamp of the row using it
  uint32_t stamp;

  bool Has(std::string_view name) const {
    auto it = ids->find(absl::string_view(name.data(), name.size()));
    return it != ids->end() && (*claimed)[it->second] == stamp;
  }
};

// Cells written straight as insertAll JSON under a known schema, exactly as
// AppendEncodedRow writes them: into their own column, or into a typed
// sibling column that exists. Anything that needs the planner (an unknown
// table, a missing column, a quarantine, or a later cell named like a sibling
// an earlier cell took, which RouteCell would have skipped) makes the row
// unusable.
class EncodingOut {
 public:
  // Writes the row, after `insert_id`, in place at the end of `rows` (null
  // when `schema` is: nothing is written); Finish keeps it there.
  // `cache_slot`: EventMapper::ObjectNode::caches' slot of the row's kind.
  EncodingOut(const SchemaIndex* schema, size_t cache_slot, RowClaims claims, EncodedRows* rows,
              std::string_view insert_id, std::string* no_output)
      : schema_(schema),
        generation_(schema != nullptr ? schema->generation() : 0),
        cache_slot_(cache_slot),
        claims_(claims),
        rows_(rows),
        w_(rows != nullptr ? rows->buffer() : no_output, rows != nullptr ? rows->end() : 0,
           JsonWriter::Scratch{}) {
    if (rows_ != nullptr) w_.Raw(insert_id);
    row_start_ = w_.position();
  }
  // Every key is written with its leading comma (no first-cell check per
  // cell); the row's first byte then becomes its '{'.
  void Finish(absl::Time received_at) {
    if (schema_ == nullptr) return;
    if (w_.position() == row_start_) w_.Char('{');  // a row without cells
    w_.Char('}');
    w_.Overwrite(row_start_, '{');
    rows_->Commit(row_start_ - rows_->end(), w_.position(), received_at);
  }
  EncodingOut(const EncodingOut&) = delete;
  EncodingOut& operator=(const EncodingOut&) = delete;

  size_t cache_slot() const { return cache_slot_; }
  // Of the table's schema; 0 when unknown (nothing is then cached).
  uint64_t generation() const { return generation_; }

  // `cached` remembers the entry `column` resolved to in this table. Inline
  // for the usual cell, whose column has its type (the standard columns, and
  // numbers); Place decides the others.
  [[gnu::always_inline]] void Add(ColumnRef column, const Cell& value, std::string_view text,
                                  Cached cached) {
    // Read before any char is stored (which could alias `value` or the entry):
    // the compiler then knows which of WriteValue's cases can occur.
    const ColumnType type = value.type;
    const SchemaIndex::Entry* entry = Admit(column, cached);
    if (entry == nullptr) return;
    if (entry->type != type) {
      Place(column, entry, value, text);
      return;
    }
    if (recording_ != nullptr) Record(column, type);
    WriteKey(*entry);
    internal::WriteValue(value, text, type, w_);
  }

  // A string value: whether it reads as a timestamp only matters when its
  // column is not STRING, so the parse is skipped for STRING columns.
  void AddString(ColumnRef column, std::string_view text, Cached cached) {
    const SchemaIndex::Entry* entry = Admit(column, cached);
    if (entry == nullptr) return;
    if (entry->type == ColumnType::kString) {
      if (recording_ != nullptr) Record(column, entry->type);
      WriteKey(*entry);
      w_.PaddedString(text);  // a DOM string
      return;
    }
    Place(column, entry, StringCell(text), text);
  }

  // An array: its compact JSON text goes into a STRING column. Written in one
  // pass when the column is STRING and the array needs no escaping inside.
  void AddArray(ColumnRef column, const element& array, Cached cached, std::string* scratch) {
    const SchemaIndex::Entry* entry = Admit(column, cached);
    if (entry == nullptr) return;
    if (entry->type == ColumnType::kString) {
      const size_t mark = w_.position();
      WriteKey(*entry);
      if (WriteCompactJsonAsString(array, w_)) {
        if (recording_ != nullptr) Record(column, entry->type);
        return;
      }
      w_.Rewind(mark);
    }
    scratch->clear();
    AppendCompactJson(array, scratch);
    Place(column, entry, ValueCell(ColumnType::kString), *scratch);
  }

  // Records what the next cells write (the context of a first row).
  bool recording() const { return recording_ != nullptr; }
  void StartRecording(EventMapper::EncodedRegion* record) {
    recording_ = record;
    record->signature.clear();
    signature_next_ = signature_end_ = record->signature.data();
    record->ids.clear();
    record->reusable = true;
    record->start = w_.position() - row_start_;
    record->buffer = rows_ != nullptr ? rows_->buffer() : nullptr;
    record->row_offset = row_start_;
  }
  void StopRecording() {
    if (recording_ == nullptr) return;
    recording_->signature.resize(RecordedCells());
    recording_->recorded = true;
    recording_->reusable = recording_->reusable && fits() && recording_->buffer != nullptr;
    recording_->end = w_.position() - row_start_;
    recording_ = nullptr;
  }
  // Copies a region an earlier row of the event wrote (a track event's
  // shared prefix, an identify's context) when every one of its columns has
  // the same type here: the bytes are then the same. False: nothing written.
  bool Reuse(const EventMapper::EncodedRegion& record, EventMapper& mapper) {
    // A region that opened its row starts with that row's '{', not a comma.
    if (record.start == 0 && w_.position() != row_start_) return false;
    if (!Fits(record, mapper)) return false;
    const size_t size = record.end - record.start;
    char* p = w_.Reserve(size);  // first: `record.buffer` may be the one growing
    std::memcpy(p, record.buffer->data() + record.row_offset + record.start, size);
    w_.Commit(p + size);
    return true;
  }

  bool fits() const { return schema_ != nullptr; }

 private:
  // True when this row's table gives every cell of `record` the type it had.
  bool Fits(const EventMapper::EncodedRegion& record, EventMapper& mapper) {
    if (schema_ == nullptr || !siblings_.empty() || !record.reusable) return false;
    if (mapper.RegionFits(generation_, record.shape)) return true;
    for (const uint64_t cell : record.signature) {
      const ColumnRef column{reinterpret_cast<const ColumnName*>(cell & ~uint64_t{15}),
                             (cell & 8) != 0};
      const SchemaIndex::Entry* entry = schema_->Lookup(column.name(), column.hash());
      if (entry == nullptr || entry->type != static_cast<ColumnType>(cell & 7)) return false;
    }
    mapper.RememberRegionFits(generation_, record.shape);
    return true;
  }

  // The entry of the column a cell named `column` belongs in, or nullptr when
  // the row needs the planner (fits() is then false): the row is already
  // unusable, `column` is not in the table, or a sibling an earlier cell took
  // has its name (RouteCell would have skipped that sibling).
  [[gnu::always_inline]] const SchemaIndex::Entry* Admit(ColumnRef column, Cached cached) {
    if (!plain_) [[unlikely]] {
      if (schema_ == nullptr || TakenBySibling(column.name())) {
        Unfit();
        return nullptr;
      }
    }
    const SchemaIndex::Entry* entry = Resolve(column, cached);
    if (entry == nullptr) Unfit();
    return entry;
  }
  [[gnu::noinline]] bool TakenBySibling(std::string_view name) const {
    return std::find(siblings_.begin(), siblings_.end(), name) != siblings_.end();
  }
  // The row needs the planner.
  void Unfit() {
    schema_ = nullptr;
    plain_ = false;
  }

  // Writes `value` (whose text is `text`) into `entry`'s column, else into the
  // typed sibling RouteCell picks when that column cannot take it.
  [[gnu::noinline]] void Place(ColumnRef column, const SchemaIndex::Entry* entry, const Cell& value,
                               std::string_view text) {
    if (!internal::Accepts(entry->type, value)) [[unlikely]] {
      if (recording_ != nullptr) recording_->reusable = false;
      entry = Sibling(column.name(), value);
      if (entry == nullptr) {
        Unfit();
        return;
      }
    } else if (recording_ != nullptr) {
      Record(column, entry->type);
    }
    WriteKey(*entry);
    internal::WriteValue(value, text, entry->type, w_);
  }

  // The cached entry (the usual case), else the schema's, then cached.
  [[gnu::always_inline]] const SchemaIndex::Entry* Resolve(ColumnRef column, Cached cached) {
    if (*cached != nullptr) return *cached;
    return LookupAndCache(column, cached);
  }
  [[gnu::noinline]] const SchemaIndex::Entry* LookupAndCache(ColumnRef column, Cached cached) {
    *cached = schema_->Lookup(column.name(), column.hash());
    return *cached;
  }

  // RouteCell's choice for a value its own column cannot take, when that
  // choice is an existing column; nullptr otherwise.
  [[gnu::noinline]] const SchemaIndex::Entry* Sibling(std::string_view name, const Cell& value) {
    std::string tried;
    for (const ColumnType want : {value.type, ColumnType::kString}) {
      std::string candidate = SiblingColumnName(name, want);
      if (!tried.empty() && candidate == tried) continue;
      tried = candidate;
      if (claims_.Has(candidate) ||
          std::find(siblings_.begin(), siblings_.end(), candidate) != siblings_.end()) {
        continue;
      }
      const SchemaIndex::Entry* entry = schema_->Lookup(candidate, internal::NameHash(candidate));
      if (entry == nullptr) return nullptr;  // a new column: the planner adds it
      if (entry->type == want) {
        siblings_.push_back(std::move(candidate));
        plain_ = false;
        return entry;
      }
    }
    return nullptr;  // quarantined by the planner
  }

  // Inline, unlike push_back (an out-of-line call per cell): the signature
  // is written through signature_next_, and trimmed when the recording stops.
  [[gnu::always_inline]] void Record(ColumnRef column, ColumnType type) {
    static_assert(alignof(ColumnName) >= 16, "the low 4 bits hold the flags");
    if (signature_next_ == signature_end_) [[unlikely]]
      GrowSignature();
    *signature_next_++ = reinterpret_cast<uintptr_t>(column.column) | (column.prefixed ? 8 : 0) |
                         static_cast<uint64_t>(type);
  }
  [[gnu::noinline]] void GrowSignature() {
    std::vector<uint64_t>& signature = recording_->signature;
    const size_t used = RecordedCells();
    signature.resize(2 * used + 64);
    signature_next_ = signature.data() + used;
    signature_end_ = signature.data() + signature.size();
  }
  size_t RecordedCells() const {
    return static_cast<size_t>(signature_next_ - recording_->signature.data());
  }

  // The key is ',"name":' then 16 to 31 bytes of padding (SchemaIndex::Entry),
  // so at least 32 readable bytes: most keys are one 32-byte copy.
  [[gnu::always_inline]] void WriteKey(const SchemaIndex::Entry& entry) {
    constexpr size_t kFirst = 2 * kSpecialBlock;
    const size_t size = entry.key_size;
    const char* key = entry.key.data();
    char* p = w_.Reserve(size + kFirst);
    std::memcpy(p, key, kFirst);
    for (size_t i = kFirst; i < size; i += kSpecialBlock)
      std::memcpy(p + i, key + i, kSpecialBlock);
    w_.Commit(p + size);
  }

  const SchemaIndex* schema_;
  const uint64_t generation_;  // of schema_
  const size_t cache_slot_;
  const RowClaims claims_;
  EncodedRows* const rows_;
  JsonWriter w_;
  size_t row_start_;  // where the row's JSON starts in w_
  EventMapper::EncodedRegion* recording_ = nullptr;
  // The free part of recording_->signature (its size is the high-water mark).
  uint64_t* signature_next_ = nullptr;
  uint64_t* signature_end_ = nullptr;
  std::vector<std::string> siblings_;  // sibling columns this row used
  // schema_ is set and siblings_ empty: what Admit checks for every cell.
  bool plain_ = schema_ != nullptr;
};

}  // namespace

// Rows for Map.
class EventMapper::RowSink {
 public:
  RowSink(EventMapper* mapper, std::vector<Row>* rows) : mapper_(mapper), rows_(rows) {}

  // `payload`: the row will also hold properties or traits.
  RowOut Start(const Event& e, TableKind /*kind*/, std::string_view table, bool payload) {
    mapper_->NewRowStamp();
    Row& row = rows_->emplace_back();
    row.table.assign(table);
    row.insert_id.assign(e.message_id);
    row.received_at = absl::FromUnixMicros(e.received_at->micros);
    // Standard columns and context only (the tracks row): much less than the event.
    const Row& context = mapper_->context_;
    row.arena.reserve(payload ? mapper_->arena_hint_ : context.arena.size() + 512);
    row.cells.reserve(payload ? mapper_->cells_hint_ : context.cells.size() + 16);
    return RowOut(&row);
  }
  void Finish() {}

 private:
  EventMapper* const mapper_;
  std::vector<Row>* const rows_;
};

// Encoded rows for MapEncoded.
class EventMapper::EncodingSink {
 public:
  EncodingSink(EventMapper* mapper, TableLookup output_of)
      : mapper_(mapper), output_of_(output_of) {
    mapper_->rows_before_.clear();
  }

  EncodingOut& Start(const Event& e, TableKind kind, std::string_view table, bool /*payload*/) {
    Finish();
    mapper_->NewRowStamp();
    TableOutput output;
    if (fits_) output = output_of_(table);
    if (output.rows == nullptr) output.schema = nullptr;
    if (output.schema == nullptr) {
      output.rows = nullptr;
    } else {
      mapper_->rows_before_.emplace_back(output.rows, output.rows->size());
    }
    const RowClaims claims{&mapper_->ids_, &mapper_->claimed_, mapper_->stamp_};
    // A row without a schema caches nothing (its kind's entries stay).
    const size_t slot = output.schema != nullptr ? static_cast<size_t>(kind) : kNoCacheSlot;
    current_.emplace(output.schema, slot, claims, output.rows, e.message_id, &mapper_->no_output_);
    received_at_ = absl::FromUnixMicros(e.received_at->micros);
    return *current_;
  }
  // Closes the current row.
  void Finish() {
    if (!current_) return;
    fits_ = fits_ && current_->fits();
    current_->Finish(received_at_);
    current_.reset();
  }
  bool fits() const { return fits_; }
  // Takes back every row written (in reverse: a table may have had two).
  void Undo() {
    auto& before = mapper_->rows_before_;
    for (auto it = before.rbegin(); it != before.rend(); ++it) it->first->Truncate(it->second);
  }

 private:
  EventMapper* const mapper_;
  const TableLookup output_of_;
  std::optional<EncodingOut> current_;
  absl::Time received_at_;
  bool fits_ = true;
};

absl::Status EventMapper::Begin(std::string_view json, size_t readable_after_end,
                                absl::Time loaded_at, bool context_row, Event* e) {
  ResetCachesIfFull();
  if (absl::Status s = Parse(json, readable_after_end, e); !s.ok()) return s;
  e->loaded_micros = absl::ToUnixMicros(loaded_at);
  // A batch's events share `loaded_at`: format it once.
  if (loaded_at_text_.empty() || e->loaded_micros != loaded_micros_) {
    loaded_micros_ = e->loaded_micros;
    loaded_at_text_.clear();
    AppendTimestampMicrosText(loaded_micros_, &loaded_at_text_);
  }

  // Context columns are the same on every row of the event: build them once.
  context_.arena.clear();
  context_.cells.clear();
  context_ids_.clear();
  context_object_ = e->context ? &*e->context : nullptr;
  encoded_context_.recorded = false;
  row_prefix_.recorded = false;
  if (e->context && context_row) {
    NewRowStamp();
    const PathKey context{nullptr, "context"};  // properties and traits are not prefixed
    RowOut out(&context_);
    Flatten(*e->context, &context, 0, context_node_, out);
  }
  arena_hint_ = json.size() + 64;
  cells_hint_ = context_.cells.size() + 48;
  return absl::OkStatus();
}

absl::Status EventMapper::Map(std::string_view json, absl::Time loaded_at, std::vector<Row>* rows,
                              size_t readable_after_end) {
  Event e;
  if (absl::Status s = Begin(json, readable_after_end, loaded_at, /*context_row=*/true, &e);
      !s.ok()) {
    return s;
  }
  RowSink sink(this, rows);
  Emit(e, sink);
  return absl::OkStatus();
}

absl::StatusOr<bool> EventMapper::MapEncoded(std::string_view json, absl::Time loaded_at,
                                             TableLookup output_of, size_t readable_after_end) {
  Event e;
  if (absl::Status s = Begin(json, readable_after_end, loaded_at, /*context_row=*/false, &e);
      !s.ok()) {
    return s;
  }
  EncodingSink sink(this, output_of);
  Emit(e, sink);
  sink.Finish();
  if (!sink.fits()) {
    sink.Undo();
    return false;
  }
  return true;
}

template <typename Sink>
void EventMapper::Emit(const Event& e, Sink& sink) {
  const auto bit = TableKindBit;
  switch (e.kind) {
    case TableKind::kTracks: {
      EventTable& table = LookupTable(*e.event);
      // tracks, then the event's table: the same cells up to the context's
      // end, then the properties.
      const auto add_shared = [&](auto& row) {
        AddStandard(e, true, e.message_id, row);
        AddFixedString(kEventId, table.name, row);
        AddFixedString(kEventTextId, *e.event, row);
        AddContext(row);
      };
      {
        auto&& tracks = sink.Start(e, TableKind::kTracks, "tracks", false);
        BeginRowPrefix(tracks);
        add_shared(tracks);
        EndRowPrefix(tracks);
      }
      auto&& row = sink.Start(e, TableKind::kEvent, table.name, true);
      if (!ReuseRowPrefix(row)) add_shared(row);
      if (e.properties)
        Flatten(*e.properties, nullptr, bit(TableKind::kEvent), table.payload_node, row);
      break;
    }
    case TableKind::kIdentifies:
    case TableKind::kGroups: {
      const bool is_group = e.kind == TableKind::kGroups;
      {
        auto&& row = sink.Start(e, e.kind, is_group ? "groups" : "identifies", true);
        AddStandard(e, true, e.message_id, row);
        if (is_group) AddFixedString(kGroupIdId, *e.group_id, row);
        AddContext(row);
        if (e.traits) Flatten(*e.traits, nullptr, bit(e.kind), PayloadNode(e.kind), row);
      }
      // users / accounts: the latest state of a user or group, keyed on its id.
      const std::optional<std::string_view> key = is_group ? e.group_id : e.user_id;
      if (key) {
        const TableKind kind = is_group ? TableKind::kAccounts : TableKind::kUsers;
        auto&& state = sink.Start(e, kind, is_group ? "accounts" : "users", true);
        AddStandard(e, false, *key, state);
        AddContext(state);
        if (e.traits) Flatten(*e.traits, nullptr, bit(kind), PayloadNode(e.kind), state);
      }
      break;
    }
    case TableKind::kPages:
    case TableKind::kScreens: {
      const bool is_page = e.kind == TableKind::kPages;
      auto&& row = sink.Start(e, e.kind, is_page ? "pages" : "screens", true);
      AddStandard(e, true, e.message_id, row);
      if (e.name) AddFixedString(kNameId, *e.name, row);
      if (is_page && e.category) AddFixedString(kCategoryId, *e.category, row);
      AddContext(row);
      if (e.properties) Flatten(*e.properties, nullptr, bit(e.kind), PayloadNode(e.kind), row);
      break;
    }
    case TableKind::kAliases: {
      auto&& row = sink.Start(e, TableKind::kAliases, "aliases", true);
      AddStandard(e, true, e.message_id, row);
      AddFixedString(kPreviousIdId, *e.previous_id, row);
      AddContext(row);
      if (e.traits) {
        Flatten(*e.traits, nullptr, bit(TableKind::kAliases), PayloadNode(TableKind::kAliases),
                row);
      }
      break;
    }
    default:
      break;
  }
}

void EventMapper::NewRowStamp() {
  if (++stamp_ == 0) std::fill(claimed_.begin(), claimed_.end(), 0), stamp_ = 1;
}

void EventMapper::SetShape(EncodedRegion& region) {
  region.shape =
      region_shapes_.try_emplace(region.signature, static_cast<uint32_t>(region_shapes_.size()))
          .first->second;
}

template <typename Out>
void EventMapper::BeginRowPrefix(Out& out) {
  if constexpr (!std::is_same_v<Out, RowOut>) {
    out.StartRecording(&row_prefix_);
    claim_log_ = &row_prefix_.ids;
  }
}

template <typename Out>
void EventMapper::EndRowPrefix(Out& out) {
  if constexpr (!std::is_same_v<Out, RowOut>) {
    claim_log_ = nullptr;
    out.StopRecording();
    SetShape(row_prefix_);
  }
}

template <typename Out>
bool EventMapper::ReuseRowPrefix(Out& out) {
  if constexpr (std::is_same_v<Out, RowOut>) {
    return false;
  } else {
    if (!row_prefix_.recorded || !out.Reuse(row_prefix_, *this)) return false;
    for (const uint32_t id : row_prefix_.ids) claimed_[id] = stamp_;
    return true;
  }
}

template <typename Out>
const SchemaIndex::Entry** EventMapper::FixedEntry(uint32_t id, const Out& out) {
  FixedEntries& cache = fixed_entries_[out.cache_slot()];
  if (cache.generation != out.generation()) cache = FixedEntries{out.generation()};
  return &cache.entries[id];
}

template <typename Out>
void EventMapper::AddFixedString(uint32_t id, std::string_view value, Out& out) {
  out.Add(ColumnRef{&fixed_columns_[id], false}, ValueCell(ColumnType::kString), value,
          FixedEntry(id, out));
  Claim(id);
}

template <typename Out>
void EventMapper::AddFixedTimestamp(uint32_t id, int64_t micros, std::string_view text, Out& out) {
  Cell value = ValueCell(ColumnType::kTimestamp);
  value.micros = micros;
  out.Add(ColumnRef{&fixed_columns_[id], false}, value, text, FixedEntry(id, out));
  Claim(id);
}

template <typename Out>
void EventMapper::AddStandard(const Event& e, bool full, std::string_view id, Out& out) {
  auto add_time = [&](uint32_t fixed_id, const std::optional<Timestamp>& t) {
    if (t) AddFixedTimestamp(fixed_id, t->micros, t->text, out);
  };
  AddFixedString(kIdId, id, out);
  if (full) {
    if (e.anonymous_id) AddFixedString(kAnonymousIdId, *e.anonymous_id, out);
    if (e.user_id) AddFixedString(kUserIdId, *e.user_id, out);
  }
  add_time(kReceivedAtId, e.received_at);
  if (full) {
    add_time(kSentAtId, e.sent_at);
    add_time(kOriginalTimestampId, e.original_timestamp);
    add_time(kTimestampId, e.timestamp);
  }
  AddFixedTimestamp(kUuidTsId, e.loaded_micros, loaded_at_text_, out);
  AddFixedTimestamp(kLoadedAtId, e.loaded_micros, loaded_at_text_, out);
}

template <typename Out>
void EventMapper::AddContext(Out& out) {
  if constexpr (std::is_same_v<Out, RowOut>) {
    Row& row = out.row();
    const auto base = static_cast<uint32_t>(row.arena.size());
    row.arena.append(context_.arena);
    for (Cell c : context_.cells) {
      c.name_offset += base;
      c.text_offset += base;
      row.cells.push_back(c);
    }
    for (const uint32_t id : context_ids_) claimed_[id] = stamp_;
  } else {
    // Written per row from the parsed context: once, then copied to the
    // event's second row when its table types the columns alike.
    if (context_object_ == nullptr) return;
    if (encoded_context_.recorded && out.Reuse(encoded_context_, *this)) {
      for (const uint32_t id : encoded_context_.ids) claimed_[id] = stamp_;
      return;
    }
    // Not inside a row prefix being recorded (that one covers the context).
    const bool record = !encoded_context_.recorded && !out.recording();
    std::vector<uint32_t>* const outer_log = claim_log_;
    if (record) {
      out.StartRecording(&encoded_context_);
      claim_log_ = &encoded_context_.ids;
    }
    const PathKey context{nullptr, "context"};
    Flatten(*context_object_, &context, 0, context_node_, out);
    if (record) {
      claim_log_ = outer_log;
      out.StopRecording();
      SetShape(encoded_context_);
    }
  }
}

namespace {

// Whether `key` is the guess's key. Keys of up to kKeyHead bytes (nearly
// all) are compared in one 16-byte block: DOM strings are followed by
// readable padding, and the guess's head is zero-padded.
bool SameKeyHead(const char* head, std::string_view key) {
#if defined(__SSE2__)
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key.data()));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(head));
  const auto equal = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)));
  return (equal | (0xffffffffu << key.size())) == 0xffffffffu;
#else
  return internal::SameBytes(head, key.data(), key.size());
#endif
}

}  // namespace

void EventMapper::PrepareCache(ObjectNode& node, EntryCache& cache, uint64_t generation) {
  // The slot's entries hold for one schema state: a new one starts afresh.
  // (A node's columns take the same names in every row of a slot's kind.)
  if (cache.generation != generation) {
    cache.generation = generation;
    cache.entries.assign(node.fields.size(), nullptr);
  } else {
    cache.entries.resize(node.fields.size(), nullptr);
  }
}

void EventMapper::AddGuess(ObjectNode& node, EntryCache& cache) {
  node.fields.emplace_back();
  node.keys.emplace_back();
  cache.entries.push_back(nullptr);
}

void EventMapper::ResetGuess(ObjectNode& node, size_t i, std::string_view key) {
  FieldGuess& guess = node.fields[i];
  guess = FieldGuess{};
  guess.key_size = static_cast<uint32_t>(key.size());
  std::memcpy(guess.key_head, key.data(), std::min(key.size(), kKeyHead));
  node.keys[i].assign(key);
  for (EntryCache& cache : node.caches) {
    if (i < cache.entries.size()) cache.entries[i] = nullptr;
  }
}

template <typename Out>
void EventMapper::Flatten(const object& obj, const PathKey* path, uint16_t table_bit,
                          uint32_t& node_index, Out& out) {
  if (node_index == kNoNode) node_index = NewNode();
  // A child adds nodes (a deque: no reference moves), never fields here.
  ObjectNode& node = nodes_[node_index];
  std::vector<FieldGuess>& fields = node.fields;
  EntryCache& cache = node.caches[out.cache_slot()];
  if (cache.generation != out.generation() || cache.entries.size() < fields.size()) {
    PrepareCache(node, cache, out.generation());
  }
  // The vectors' bounds in locals: every char stored into the row may alias
  // them, so reading them through `node` reloaded them for each field. Only
  // AddGuess moves them (a child flattens another node).
  FieldGuess* guesses = fields.data();
  const SchemaIndex::Entry** entries = cache.entries.data();
  size_t known = fields.size();
  size_t i = 0;
  // The iterator's key() and value(), not key_value_pair copies: copying the
  // pair through the stack stalled store-to-load forwarding on every field.
  for (auto it = obj.begin(), end = obj.end(); it != end; ++it, ++i) {
    const std::string_view key = it.key();
    if (i == known) {
      AddGuess(node, cache);
      guesses = fields.data();
      entries = cache.entries.data();
      known = fields.size();
    }
    FieldGuess& guess = guesses[i];
    if (guess.key_size != key.size() ||
        !(key.size() <= kKeyHead
              ? SameKeyHead(guess.key_head, key)
              : internal::SameBytes(node.keys[i].data(), key.data(), key.size()))) {
      ResetGuess(node, i, key);
    }
    const element v = it.value();
    // Read once: every write to the row (char stores) could alias the tape.
    const element_type type = v.type();
    if (type == element_type::OBJECT) {
      const PathKey child_path{path, key};
      Flatten(v.get_object().value_unsafe(), &child_path, table_bit, guess.child, out);
    } else if (type != element_type::NULL_VALUE) {
      if (guess.column == nullptr) {
        const ColumnName& column = LookupColumn(path, key);
        guess.column = &column;
        guess.id = column.id;
        guess.reserved_mask = column.reserved_mask;
      }
      AddValue(v, type, guess, &entries[i], table_bit, out);
    }
  }
}

template <typename Out>
void EventMapper::AddValue(const element& v, element_type type, const FieldGuess& guess,
                           const SchemaIndex::Entry** cached, uint16_t table_bit, Out& out) {
  const bool prefixed = (guess.reserved_mask & table_bit) != 0;
  const uint32_t id = prefixed ? guess.column->prefixed_id : guess.id;
  if (!Claim(id)) return;  // an earlier path produced the same column: first value wins
  if constexpr (std::is_same_v<Out, RowOut>) {
    if (&out.row() == &context_) context_ids_.push_back(id);
  }
  const ColumnRef column{guess.column, prefixed};
  // An Add per value type: EncodingOut's, inlined, then writes only that type.
  Cell value;
  switch (type) {
    case element_type::BOOL:
      value.type = ColumnType::kBoolean;
      value.boolean = v.get_bool().value_unsafe();
      out.Add(column, value, {}, cached);
      return;
    case element_type::INT64:
      value.type = ColumnType::kInteger;
      value.integer = v.get_int64().value_unsafe();
      out.Add(column, value, {}, cached);
      return;
    case element_type::UINT64:  // beyond int64
    case element_type::DOUBLE:
      value.type = ColumnType::kFloat;
      value.floating = type == element_type::DOUBLE
                           ? v.get_double().value_unsafe()
                           : static_cast<double>(v.get_uint64().value_unsafe());
      out.Add(column, value, {}, cached);
      return;
    case element_type::STRING:
      out.AddString(column, v.get_string().value_unsafe(), cached);
      return;
    default:  // ARRAY: stored as compact JSON text
      out.AddArray(column, v, cached, &array_text_);
      return;
  }
}

}  // namespace opentrack::warehouse_schema
