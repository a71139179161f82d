// Turns frames back into records: for the read path and for the recovery
// scan of whole log files (docs/spool-format.md, "Recovery"). Pure, no I/O.
#ifndef OPENTRACK_SPOOL_LOG_READER_H_
#define OPENTRACK_SPOOL_LOG_READER_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "spool/block_format.h"
#include "spool/log_format.h"

namespace opentrack::spool {

// Replaces *records with the records of a parsed frame (one for kFullRecord).
// They point into the frame's buffer or `decoder`; see BlockDecoder::Decode.
// DataLoss when a block does not decode: to readers that is damage, like a CRC failure.
absl::Status DecodeFrame(const Frame& frame, BlockDecoder* decoder,
                         std::vector<std::string_view>* records);

struct ByteRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// What a scan of one whole log file found.
struct ScanResult {
  uint64_t valid_end = 0;          // end of the last valid frame (or `start`)
  uint64_t records = 0;            // valid records at or after (`start`, `start_index`)
  std::vector<ByteRange> skipped;  // damaged ranges followed by a valid frame
  uint64_t tail_bytes = 0;         // damaged bytes after valid_end (no valid frame follows)
};

// Scans `contents` from byte `start`, not counting the first `start_index`
// records of the frame there. A frame is valid when it parses and decodes; at
// one that does not, searches forward byte by byte for the next valid frame.
ScanResult ScanLog(std::string_view contents, uint64_t start, uint64_t start_index = 0);

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_LOG_READER_H_
