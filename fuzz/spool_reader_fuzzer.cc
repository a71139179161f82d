// Arbitrary bytes as a spool log file (and, when the first byte is odd, the
// next 24 bytes as the cursor; when its bit 1 is set, the spool uses direct
// I/O) through MemEnv, Open and Read: recovery must never crash, and every
// record it returns must be one it could frame: a
// record frame's payload is carved out of the input, a block's records out of
// at most kMaxBlockContent decompressed bytes (compressed blocks expand).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "spdlog/spdlog.h"
#include "spool/block_format.h"
#include "spool/cursor.h"
#include "spool/mem_env.h"
#include "spool/spool.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  opentrack::spool::MemEnv env;
  const bool direct_io = !input.empty() && (input[0] & 2);
  env.SetDirectIoAlignment(512);
  if (!input.empty() && (input[0] & 1) && input.size() >= 1 + opentrack::spool::kCursorSize) {
    env.PutFile("/spool/CURSOR", std::string(input.substr(1, opentrack::spool::kCursorSize)));
    input.remove_prefix(1 + opentrack::spool::kCursorSize);
  }
  env.PutFile("/spool/000001.log", std::string(input));
  opentrack::spool::SpoolOptions options;
  options.directory = "/spool";
  options.direct_io = direct_io;
  auto spool = opentrack::spool::Spool::Open(options, &env);
  if (!spool.ok()) return 0;
  for (;;) {
    auto records = (*spool)->Read(64, 1 << 20, absl::ZeroDuration());
    if (!records.ok() || records->empty()) break;
    for (const auto& r : *records) {
      if (r.data.size() > std::max(size, opentrack::spool::kMaxBlockContent)) __builtin_trap();
    }
  }
  // Appending after recovery must work on any recovered state.
  if (!(*spool)->AppendAndWait({"after"}).ok()) __builtin_trap();
  return 0;
}
