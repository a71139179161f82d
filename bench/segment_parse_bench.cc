// segment::ParseRequest and segment::ValidateRequest throughput on a
// /v1/batch body of 100 events taken from the shared sample, one core. See
// docs/performance.md.
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "segment/request_parser.h"
#include "segment/request_validator.h"
#include "simdjson.h"

namespace opentrack::segment {
namespace {

#ifndef OPENTRACK_SAMPLE_EVENTS_DEFAULT
#define OPENTRACK_SAMPLE_EVENTS_DEFAULT "../shared/data/events-sample.ndjson"
#endif

constexpr size_t kBatchEvents = 100;

// {"batch":[<first 100 sample lines>],"sentAt":...}: the raw events as a
// client library would post them.
const std::string& BatchBody() {
  static const std::string* body = [] {
    const char* env = std::getenv("OPENTRACK_SAMPLE_EVENTS");
    std::ifstream in(env != nullptr ? env : OPENTRACK_SAMPLE_EVENTS_DEFAULT);
    auto* s = new std::string("{\"batch\":[");
    size_t n = 0;
    for (std::string line; n < kBatchEvents && std::getline(in, line);) {
      if (line.empty()) continue;
      if (n++ > 0) s->push_back(',');
      s->append(line);
    }
    s->append("],\"writeKey\":\"bench-key\"}");
    if (n == 0) s->clear();
    return s;
  }();
  return *body;
}

void BM_ParseBatch(benchmark::State& state) {
  const std::string& body = BatchBody();
  if (body.empty()) {
    state.SkipWithError("no sample events; set OPENTRACK_SAMPLE_EVENTS");
    return;
  }
  const RequestContext context{absl::FromUnixSeconds(1717200000), "203.0.113.7"};
  size_t accepted = 0;
  for (auto _ : state) {
    absl::StatusOr<ParsedRequest> parsed = ParseRequest(body, Endpoint::kBatch, context);
    if (!parsed.ok()) {
      state.SkipWithError("parse failed");
      return;
    }
    accepted = parsed->accepted.size();
    benchmark::DoNotOptimize(parsed->accepted.data());
  }
  state.counters["accepted/batch"] = static_cast<double>(accepted);
  state.counters["body_bytes"] = static_cast<double>(body.size());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(accepted));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ParseBatch);

// The collector's decision alone (no normalized output). Arg 1: the body has
// simdjson's padding after it, as the collector's request buffers do, so
// stage 1 reads it in place; arg 0: it is copied first, as BM_ParseBatch's is.
void BM_ValidateRequest(benchmark::State& state) {
  const std::string& body = BatchBody();
  if (body.empty()) {
    state.SkipWithError("no sample events; set OPENTRACK_SAMPLE_EVENTS");
    return;
  }
  std::string buffer = body;
  buffer.append(simdjson::SIMDJSON_PADDING, ' ');
  const std::string_view text(buffer.data(), body.size());
  RequestContext context{absl::FromUnixSeconds(1717200000), "203.0.113.7"};
  if (state.range(0) == 1) context.body_readable_after_end = simdjson::SIMDJSON_PADDING;
  size_t accepted = 0;
  for (auto _ : state) {
    absl::StatusOr<ValidatedRequest> validated = ValidateRequest(text, Endpoint::kBatch, context);
    if (!validated.ok()) {
      state.SkipWithError("validation failed");
      return;
    }
    accepted = validated->accepted;
    benchmark::DoNotOptimize(accepted);
  }
  state.counters["accepted/batch"] = static_cast<double>(accepted);
  state.counters["body_bytes"] = static_cast<double>(body.size());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(accepted));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ValidateRequest)->Arg(0)->Arg(1);

}  // namespace
}  // namespace opentrack::segment

BENCHMARK_MAIN();
