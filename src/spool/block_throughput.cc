// Measures the block codec alone, one core, no I/O: how small and how fast
// blocks of real events are at each zstd level. Picks the spool's default level
// together with spool_throughput (docs/performance.md, "Spool").
//
//   block_throughput --payload_file ../shared/data/events-sample.ndjson --records 64 --levels
//   1,-1,-3
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "spool/block_format.h"

int main(int argc, char** argv) {
  CLI::App app{"spool block codec throughput"};
  std::string payload_file;
  int records_per_block = 64;
  std::vector<int> levels = {3, 1, -1, -3, -5};
  double seconds = 2;
  app.add_option("--payload_file", payload_file, "one record per line (as \"default\\n<line>\")")
      ->required();
  app.add_option("--records", records_per_block, "records per block (a group commit)");
  app.add_option("--levels", levels, "zstd levels to measure")->delimiter(',');
  app.add_option("--seconds", seconds, "time per level and direction");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> payloads;
  std::ifstream in(payload_file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) payloads.push_back("default\n" + line);
  }
  if (payloads.empty() || records_per_block < 1) {
    std::fprintf(stderr, "no records\n");
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  for (int level : levels) {
    opentrack::spool::BlockBuilder builder(level);
    // Every block of the file once, so the ratio covers all the sample.
    std::vector<std::string> blocks;
    double raw = 0, stored = 0, records = 0;
    for (size_t i = 0; i < payloads.size(); i += records_per_block) {
      for (size_t j = i; j < std::min(payloads.size(), i + records_per_block); ++j) {
        builder.Add(payloads[j]);
        raw += static_cast<double>(payloads[j].size());
        ++records;
      }
      blocks.emplace_back(builder.Finish());
      stored += static_cast<double>(blocks.back().size());
    }
    double encoded = 0;
    const auto encode_start = Clock::now();
    while (Clock::now() - encode_start < std::chrono::duration<double>(seconds)) {
      for (size_t i = 0; i < payloads.size(); i += records_per_block) {
        for (size_t j = i; j < std::min(payloads.size(), i + records_per_block); ++j) {
          builder.Add(payloads[j]);
        }
        builder.Finish();
      }
      encoded += records;
    }
    const double encode_s = std::chrono::duration<double>(Clock::now() - encode_start).count();
    opentrack::spool::BlockDecoder decoder;
    std::vector<std::string_view> out;
    double decoded = 0;
    const auto decode_start = Clock::now();
    while (Clock::now() - decode_start < std::chrono::duration<double>(seconds)) {
      for (const std::string& b : blocks) {
        if (!decoder.Decode(b, &out).ok()) return 1;
      }
      decoded += raw;
    }
    const double decode_s = std::chrono::duration<double>(Clock::now() - decode_start).count();
    std::printf(
        "level=%d records/block=%d ratio=%.2f bytes/record=%.0f encode: %.2f us/record %.0f "
        "MB/s  decode: %.0f MB/s\n",
        level, records_per_block, raw / stored, stored / records, encode_s / encoded * 1e6,
        encoded * (raw / records) / encode_s / 1e6, decoded / decode_s / 1e6);
  }
  return 0;
}
