// Event -> rows -> insertAll JSON throughput: EventMapper::Map, PlanSchema and
// EncodeRow over the 1,000-event sample, one core. See docs/performance.md.
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "common/json_text.h"
#include "common/time_format.h"
#include "simdjson.h"
#include "warehouse_schema/encoded_rows.h"
#include "warehouse_schema/event_mapper.h"
#include "warehouse_schema/row_encoder.h"
#include "warehouse_schema/schema_index.h"
#include "warehouse_schema/schema_planner.h"

namespace opentrack::warehouse_schema {
namespace {

#ifndef OPENTRACK_SAMPLE_EVENTS_DEFAULT
#define OPENTRACK_SAMPLE_EVENTS_DEFAULT "../shared/data/events-sample.ndjson"
#endif

// Adds what the segment module would: receivedAt, originalTimestamp and a
// corrected timestamp in the 6-digit form. Not the real normalizer on purpose:
// the bench must not depend on the segment module.
std::string NormalizeForBench(const std::string& raw) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(raw).get_object().get(obj)) return "";
  std::string out = "{";
  std::string original;
  for (const auto field : obj) {
    const std::string_view key = field.key;
    if (key == "timestamp") {
      std::string_view ts;
      if (!field.value.get_string().get(ts)) {
        if (auto t = ParseTimestamp(ts)) original = FormatTimestampMicros(*t);
      }
      continue;
    }
    if (key == "sentAt") {
      std::string_view ts;
      if (!field.value.get_string().get(ts)) {
        if (auto t = ParseTimestamp(ts)) {
          out += "\"sentAt\":\"" + FormatTimestampMicros(*t) + "\",";
        }
      }
      continue;
    }
    AppendJsonString(&out, key);
    out += ":" + simdjson::minify(field.value) + ",";
  }
  if (original.empty()) original = "2024-06-01T00:00:01.000000Z";
  out += "\"receivedAt\":\"" + original + "\",\"originalTimestamp\":\"" + original +
         "\",\"timestamp\":\"" + original + "\"}";
  return out;
}

struct Sample {
  std::vector<std::string> events;
  int64_t bytes = 0;
};

const Sample& LoadSample() {
  static const Sample* sample = [] {
    auto* s = new Sample;
    const char* env = std::getenv("OPENTRACK_SAMPLE_EVENTS");
    std::ifstream in(env != nullptr ? env : OPENTRACK_SAMPLE_EVENTS_DEFAULT);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      std::string normalized = NormalizeForBench(line);
      if (normalized.empty()) continue;
      s->bytes += static_cast<int64_t>(normalized.size());
      // As the spool's records: room for the parser to read past the end.
      normalized.reserve(normalized.size() + simdjson::SIMDJSON_PADDING);
      s->events.push_back(std::move(normalized));
    }
    return s;
  }();
  return *sample;
}

const absl::Time kLoadedAt = absl::FromUnixSeconds(1717200000);

void BM_Map(benchmark::State& state) {
  const Sample& sample = LoadSample();
  if (sample.events.empty()) {
    state.SkipWithError("no sample events; set OPENTRACK_SAMPLE_EVENTS");
    return;
  }
  EventMapper mapper;
  std::vector<Row> rows;
  for (auto _ : state) {
    for (const std::string& e : sample.events) {
      rows.clear();
      if (!mapper.Map(e, kLoadedAt, &rows).ok()) state.SkipWithError("map failed");
      benchmark::DoNotOptimize(rows.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(sample.events.size()));
  state.SetBytesProcessed(state.iterations() * sample.bytes);
}
BENCHMARK(BM_Map);

// One table's rows and the schema earlier batches built for it.
struct BenchTable {
  std::vector<Row> rows;
  TableSchema schema;
  SchemaIndex index;
};

// What the loader does per table and batch: plan, add the new columns, encode
// every row. Returns the encoded bytes.
int64_t PlanAndEncode(BenchTable& table, std::string* encoded) {
  const SchemaPlan plan = PlanSchema(table.schema, table.rows);
  for (const Column& c : plan.new_columns) {
    table.schema.push_back(c);
    table.index.Add(c.name, c.type);
  }
  int64_t bytes = 0;
  for (const Row& row : table.rows) {
    encoded->clear();
    AppendEncodedRow(row, table.index, encoded);
    bytes += static_cast<int64_t>(encoded->size());
  }
  return bytes;
}

// Maps every sample event and moves its rows into their table's batch.
void MapIntoTables(const Sample& sample, EventMapper& mapper, std::vector<Row>& rows,
                   absl::flat_hash_map<std::string, BenchTable>& tables, benchmark::State& state) {
  for (const std::string& e : sample.events) {
    rows.clear();
    if (!mapper.Map(e, kLoadedAt, &rows).ok()) state.SkipWithError("map failed");
    for (Row& row : rows) tables[row.table].rows.push_back(std::move(row));
  }
}

// Map every event, batch rows per table, plan each table's schema against the
// schema the previous batches built, and encode every row.
void BM_Transform(benchmark::State& state) {
  const Sample& sample = LoadSample();
  if (sample.events.empty()) {
    state.SkipWithError("no sample events; set OPENTRACK_SAMPLE_EVENTS");
    return;
  }
  EventMapper mapper;
  absl::flat_hash_map<std::string, BenchTable> tables;
  std::vector<Row> rows;
  std::string encoded;
  int64_t encoded_bytes = 0;
  for (auto _ : state) {
    for (auto& [name, table] : tables) table.rows.clear();
    MapIntoTables(sample, mapper, rows, tables, state);
    for (auto& [name, table] : tables) encoded_bytes += PlanAndEncode(table, &encoded);
  }
  int64_t rows_per_pass = 0, cells_per_pass = 0;
  for (const auto& [name, table] : tables) {
    rows_per_pass += static_cast<int64_t>(table.rows.size());
    for (const Row& row : table.rows) cells_per_pass += static_cast<int64_t>(row.cells.size());
  }
  const double events = static_cast<double>(sample.events.size());
  state.counters["rows/event"] = static_cast<double>(rows_per_pass) / events;
  state.counters["cells/event"] = static_cast<double>(cells_per_pass) / events;
  // CPU time per event (inverted rate), the figure the 300k events/s target reads as 3.3us.
  state.counters["time/event"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * events,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["out_bytes/event"] =
      static_cast<double>(encoded_bytes) / static_cast<double>(state.iterations()) / events;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(sample.events.size()));
  state.SetBytesProcessed(state.iterations() * sample.bytes);
}
BENCHMARK(BM_Transform);

// The loader's steady state: the tables already hold every column the events
// need (one planning pass before timing learns them), so each event goes
// through MapEncoded straight to insertAll JSON and its rows into their
// table's batch. BM_Transform is the path of events that change a schema.
void BM_TransformEncoded(benchmark::State& state) {
  const Sample& sample = LoadSample();
  if (sample.events.empty()) {
    state.SkipWithError("no sample events; set OPENTRACK_SAMPLE_EVENTS");
    return;
  }
  EventMapper mapper;
  absl::flat_hash_map<std::string, BenchTable> tables;
  {
    std::vector<Row> rows;
    std::string encoded;
    MapIntoTables(sample, mapper, rows, tables, state);
    for (auto& [name, table] : tables) PlanAndEncode(table, &encoded);
  }
  // Each table's batch, found with its schema in one lookup per row, as the
  // loader does.
  struct Batch {
    const SchemaIndex* schema = nullptr;
    EncodedRows rows;
  };
  absl::flat_hash_map<std::string, Batch> batches;
  for (const auto& [name, table] : tables) batches[name].schema = &table.index;
  const auto output_of = [&batches](std::string_view table) -> TableOutput {
    auto it = batches.find(absl::string_view(table.data(), table.size()));
    if (it == batches.end()) return {};
    return {it->second.schema, &it->second.rows};
  };
  for (auto _ : state) {
    for (auto& [name, batch] : batches) batch.rows.Clear();
    for (const std::string& e : sample.events) {
      absl::StatusOr<bool> encoded =
          mapper.MapEncoded(e, kLoadedAt, output_of, e.capacity() - e.size());
      if (!encoded.ok() || !*encoded) state.SkipWithError("an event needed the planner");
    }
  }
  // The last pass's rows.
  int64_t encoded_bytes = 0, encoded_rows = 0;
  for (const auto& [name, batch] : batches) {
    encoded_rows += static_cast<int64_t>(batch.rows.size());
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      encoded_bytes += static_cast<int64_t>(batch.rows.json(i).size());
    }
  }
  const double events_per_pass = static_cast<double>(sample.events.size());
  const double events = static_cast<double>(state.iterations()) * events_per_pass;
  state.counters["rows/event"] = static_cast<double>(encoded_rows) / events_per_pass;
  state.counters["time/event"] =
      benchmark::Counter(events, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["out_bytes/event"] = static_cast<double>(encoded_bytes) / events_per_pass;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(sample.events.size()));
  state.SetBytesProcessed(state.iterations() * sample.bytes);
}
BENCHMARK(BM_TransformEncoded);

// PlanSchema + EncodeRow alone, over rows mapped once before timing starts.
void BM_PlanAndEncode(benchmark::State& state) {
  const Sample& sample = LoadSample();
  if (sample.events.empty()) {
    state.SkipWithError("no sample events; set OPENTRACK_SAMPLE_EVENTS");
    return;
  }
  EventMapper mapper;
  absl::flat_hash_map<std::string, BenchTable> tables;
  std::vector<Row> rows;
  MapIntoTables(sample, mapper, rows, tables, state);
  std::string encoded;
  for (auto _ : state) {
    for (auto& [name, table] : tables) benchmark::DoNotOptimize(PlanAndEncode(table, &encoded));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(sample.events.size()));
  state.SetBytesProcessed(state.iterations() * sample.bytes);
}
BENCHMARK(BM_PlanAndEncode);

}  // namespace
}  // namespace opentrack::warehouse_schema

BENCHMARK_MAIN();
