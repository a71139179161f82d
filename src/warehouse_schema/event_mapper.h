// Turns one normalized event (docs/architecture.md "Normalized event") into
// the rows Segment's warehouse schema gives it: one row per table.
#ifndef OPENTRACK_WAREHOUSE_SCHEMA_EVENT_MAPPER_H_
#define OPENTRACK_WAREHOUSE_SCHEMA_EVENT_MAPPER_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "simdjson.h"
#include "warehouse_schema/encoded_rows.h"
#include "warehouse_schema/internal/name_table.h"
#include "warehouse_schema/naming.h"
#include "warehouse_schema/schema_index.h"
#include "warehouse_schema/types.h"

namespace opentrack::warehouse_schema {

// Where MapEncoded writes a table's rows, and the schema it encodes them
// against. A null `schema` (or `rows`): the table is not known.
struct TableOutput {
  const SchemaIndex* schema = nullptr;
  EncodedRows* rows = nullptr;
};
// One lookup per row; the pointers must stay valid during the MapEncoded call.
using TableLookup = absl::FunctionRef<TableOutput(std::string_view table)>;

// Holds the JSON parser, the name caches and scratch buffers, so it is cheap
// to call repeatedly. Not thread-safe: use one per thread.
class EventMapper {
 public:
  EventMapper();
  EventMapper(const EventMapper&) = delete;
  EventMapper& operator=(const EventMapper&) = delete;

  // Appends the rows `normalized_event_json` produces to `rows`; `loaded_at`
  // fills both uuid_ts and loaded_at. InvalidArgument, naming the offending
  // field, for JSON that is not a normalized event; `rows` is then unchanged.
  // `readable_after_end`: bytes past the end of the text that may be read;
  // with simdjson::SIMDJSON_PADDING of them the text is parsed in place
  // rather than copied (the copy was 6% of MapEncoded's time).
  absl::Status Map(std::string_view normalized_event_json, absl::Time loaded_at,
                   std::vector<Row>* rows, size_t readable_after_end = 0);

  // The fast path for events whose tables already have every column they
  // need: maps the event and appends each row, as insertAll JSON against
  // `output_of(table).schema`, to `output_of(table).rows` (insert id:
  // messageId), byte for byte what AppendEncodedRow writes for Map's rows.
  // `output_of` is called once per row, in Map's row order. Returns false,
  // with every table's rows as they were, when a table is unknown or a value
  // has no column that takes it as it is: PlanSchema must then decide (Map,
  // PlanSchema, AppendEncodedRow). Errors as Map.
  absl::StatusOr<bool> MapEncoded(std::string_view normalized_event_json, absl::Time loaded_at,
                                  TableLookup output_of, size_t readable_after_end = 0);

  // Cache entries kept before the caches are reset (bounds memory when
  // clients send unbounded property or event names).
  static constexpr size_t kMaxCachedNames = 1 << 16;

  // The names a raw path gives a column. Internal to the mapper (public for
  // its row writers). Aligned to 16 so a region's signature can carry a
  // pointer to it and a cell's flags in one word (EncodedRegion).
  struct alignas(16) ColumnName {
    std::string name;          // as used on most tables
    std::string prefixed;      // '_' + name, used where `name` is reserved
    uint32_t id = 0;           // interned ids of `name` and `prefixed`, for
    uint32_t prefixed_id = 0;  // first-value-wins deduplication within a row
    uint32_t hash = 0;         // internal::NameHash of `name` and `prefixed`
    uint32_t prefixed_hash = 0;
    uint16_t reserved_mask = 0;
  };
  // The name a cell uses: `column`'s plain or prefixed one.
  struct ColumnRef {
    const ColumnName* column;
    bool prefixed;
    std::string_view name() const { return prefixed ? column->prefixed : column->name; }
    uint32_t hash() const { return prefixed ? column->prefixed_hash : column->hash; }
  };

  // Schema entries are cached per TableKind, the slot of the rows of that
  // kind: the context node serves every kind, a traits node two (identifies
  // and users), and a table per slot keeps each hitting while event types
  // alternate. The last slot is the unencoded rows', which cache nothing.
  static constexpr size_t kCacheSlots = 10;
  static constexpr size_t kNoCacheSlot = kCacheSlots - 1;

 private:
  struct Event;

  class RowSink;
  class EncodingSink;

  // What the i-th field of an object held last time. Events of one source
  // repeat their shape, so a field is usually resolved by comparing its key
  // with the guess, without building and hashing its path. Only what every
  // field reads is here (40 bytes, was 128: 20 KB for the sample's ~500
  // paths); the whole key, the names and the schema entries live elsewhere.
  static constexpr uint32_t kNoNode = ~0u;
  static constexpr size_t kKeyHead = 16;
  struct FieldGuess {
    char key_head[kKeyHead] = {};        // the key's first bytes, zero-padded
    uint32_t key_size = 0;               // longer keys: ObjectNode::keys
    uint32_t child = kNoNode;            // when it held an object: its node
    const ColumnName* column = nullptr;  // when it held a value
    uint32_t id = 0;                     // column->id
    uint16_t reserved_mask = 0;          // column->reserved_mask
  };
  // The schema entries a node's columns resolved to in one row kind's
  // tables, valid while `generation` is the table's SchemaIndex::generation()
  // (nullptr: not looked up yet).
  struct EntryCache {
    uint64_t generation = 0;
    std::vector<const SchemaIndex::Entry*> entries;  // by field index
  };
  struct ObjectNode {
    std::vector<FieldGuess> fields;
    std::vector<std::string> keys;  // each field's whole key (cold)
    EntryCache caches[kCacheSlots];
  };
  // The keys from the root to an object being flattened, as a chain on the
  // stack: joined into a path only when a field's column is not guessed.
  struct PathKey {
    const PathKey* parent;  // nullptr at the root
    std::string_view key;
  };
  struct EventTable {
    std::string name;
    uint32_t payload_node = kNoNode;  // properties
  };

  absl::Status Parse(std::string_view json, size_t readable_after_end, Event* event);
  // Parses `json` and, with `context_row`, builds the event's context cells
  // (MapEncoded writes them per row instead); then the caller emits.
  absl::Status Begin(std::string_view json, size_t readable_after_end, absl::Time loaded_at,
                     bool context_row, Event* event);
  // The mapping rules: which rows, in which order, with which cells.
  template <typename Sink>
  void Emit(const Event& e, Sink& sink);
  void ResetCachesIfFull();
  uint32_t Intern(const std::string& name);
  // The column of field `key` of the object at `parent`.
  const ColumnName& LookupColumn(const PathKey* parent, std::string_view key);
  void AppendPath(const PathKey* key);  // to path_
  EventTable& LookupTable(std::string_view raw_event);
  uint32_t NewNode();
  // The node of the payload (properties or traits) of a kind's table.
  uint32_t& PayloadNode(TableKind kind) { return kind_nodes_[static_cast<size_t>(kind)]; }

  // Row assembly, for either kind of output row (event_mapper.cc RowOut,
  // EncodingOut).
  void NewRowStamp();
  // First value wins: false when the current row already has column `id`.
  bool Claim(uint32_t id) {
    if (claimed_[id] == stamp_) return false;
    claimed_[id] = stamp_;
    if (claim_log_ != nullptr) claim_log_->push_back(id);
    return true;
  }
  // Adds standard column `id` (see event_mapper.cc FixedId) and claims it.
  template <typename Out>
  void AddFixedString(uint32_t id, std::string_view value, Out& out);
  template <typename Out>
  void AddFixedTimestamp(uint32_t id, int64_t micros, std::string_view text, Out& out);
  template <typename Out>
  void AddStandard(const Event& e, bool full, std::string_view id, Out& out);
  template <typename Out>
  void AddContext(Out& out);
  // `node` (created when kNoNode) holds the guesses for `obj`'s fields;
  // `path` is where `obj` is (nullptr: the payload root).
  template <typename Out>
  void Flatten(const simdjson::dom::object& obj, const PathKey* path, uint16_t table_bit,
               uint32_t& node, Out& out);
  template <typename Out>
  void AddValue(const simdjson::dom::element& value, simdjson::dom::element_type type,
                const FieldGuess& guess, const SchemaIndex::Entry** cached, uint16_t table_bit,
                Out& out);
  // Out of line, off Flatten's path: points guess `i` of `node` at `key`,
  // forgetting what it held; makes `cache` fit `generation` and the fields;
  // adds a field (a guess and its cache cell).
  [[gnu::noinline]] void ResetGuess(ObjectNode& node, size_t i, std::string_view key);
  [[gnu::noinline]] static void PrepareCache(ObjectNode& node, EntryCache& cache,
                                             uint64_t generation);
  [[gnu::noinline]] static void AddGuess(ObjectNode& node, EntryCache& cache);
  // The cache cell of fixed column `id` for `out`'s table.
  template <typename Out>
  const SchemaIndex::Entry** FixedEntry(uint32_t id, const Out& out);

  simdjson::dom::parser parser_;
  std::string padded_;                                   // input copy with simdjson's padding
  internal::NameTable<ColumnName> columns_;              // raw path -> names
  absl::flat_hash_map<std::string, EventTable> tables_;  // raw event -> table
  std::deque<ObjectNode> nodes_;                         // stable addresses
  uint32_t context_node_ = kNoNode;
  uint32_t kind_nodes_[9] = {kNoNode, kNoNode, kNoNode, kNoNode, kNoNode,
                             kNoNode, kNoNode, kNoNode, kNoNode};
  absl::flat_hash_map<std::string, uint32_t> ids_;  // column name -> interned id
  ColumnName fixed_columns_[16];                    // per FixedId
  // Per cache slot, as ObjectNode::caches, for the fixed columns.
  struct FixedEntries {
    uint64_t generation = 0;
    const SchemaIndex::Entry* entries[16] = {};
  };
  FixedEntries fixed_entries_[kCacheSlots];
  std::vector<uint32_t> claimed_;  // interned id -> row stamp that used it
  uint32_t stamp_ = 0;
  std::string path_;  // LookupColumn's scratch
  Row context_;       // context_* cells of the current event, built once
  std::vector<uint32_t> context_ids_;
  const simdjson::dom::object* context_object_ = nullptr;  // of the current event
  std::vector<uint32_t>* claim_log_ = nullptr;             // when set, Claim logs claimed ids here

 public:
  // A run of cells MapEncoded wrote into an event's first row, for its second
  // row: the same bytes when the second table has the same types for those
  // columns (event_mapper.cc EncodingOut::Reuse).
  // A track event's rows share everything up to the end of the context; an
  // identify's or group's rows share the context.
  struct EncodedRegion {
    bool recorded = false;
    bool reusable = false;
    size_t start = 0, end = 0;  // positions in the row's JSON
    // Where the row's JSON is: at `row_offset` in `buffer` (a table's
    // EncodedRows, whose bytes stay until the event is mapped).
    const std::string* buffer = nullptr;
    size_t row_offset = 0;
    // Per cell, its ColumnName's (stable) address, whether prefixed (bit 3)
    // and the type of the column written (bits 0-2): equal signatures need
    // the same column types from a table. Built as the cells are written:
    // one register store each (a struct per cell stalled store forwarding).
    std::vector<uint64_t> signature;
    uint32_t shape = 0;         // interned signature
    std::vector<uint32_t> ids;  // column ids the region claims
  };
  // Whether a region of shape `shape` may be copied into tables of schema
  // generation `generation` (only positive answers are kept).
  bool RegionFits(uint64_t generation, uint32_t shape) const {
    return region_fits_.contains({generation, shape});
  }
  void RememberRegionFits(uint64_t generation, uint32_t shape) {
    region_fits_.insert({generation, shape});
  }

 private:
  // Interns `region`'s signature into its shape.
  void SetShape(EncodedRegion& region);
  template <typename Out>
  void BeginRowPrefix(Out& out);
  template <typename Out>
  void EndRowPrefix(Out& out);
  // True when `out` took the first row's prefix as it is.
  template <typename Out>
  bool ReuseRowPrefix(Out& out);

  EncodedRegion encoded_context_;
  EncodedRegion row_prefix_;
  absl::flat_hash_map<std::vector<uint64_t>, uint32_t> region_shapes_;
  absl::flat_hash_set<std::pair<uint64_t, uint32_t>> region_fits_;
  std::string loaded_at_text_;  // of loaded_micros_, kept while `loaded_at` repeats
  int64_t loaded_micros_ = 0;
  std::string array_text_;  // compact JSON of the array being added
  std::string no_output_;   // the writer's buffer for rows of unknown tables (unused)
  // The row counts of the tables MapEncoded wrote to, before it did.
  std::vector<std::pair<EncodedRows*, size_t>> rows_before_;
  size_t arena_hint_ = 0;  // per-row reservations, sized from the event
  size_t cells_hint_ = 0;
};

}  // namespace opentrack::warehouse_schema

#endif  // OPENTRACK_WAREHOUSE_SCHEMA_EVENT_MAPPER_H_
