// Record framing of spool log files (see docs/spool-format.md): pure
// encoding, decoding and the recovery scan, with no I/O.
#ifndef OPENTRACK_SPOOL_LOG_FORMAT_H_
#define OPENTRACK_SPOOL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace opentrack::spool {

// crc (4) + length (4) + kind (1).
inline constexpr size_t kHeaderSize = 9;
// Payloads must be shorter than this, so a header's top length byte is 0.
inline constexpr size_t kMaxPayloadSize = (size_t{1} << 24) - 1;
inline constexpr uint8_t kFullRecord = 1;

// Appends the framed `payload` to `out`. `payload.size()` must be <= kMaxPayloadSize.
void AppendRecord(std::string_view payload, std::string* out);

inline uint64_t FramedSize(size_t payload_size) { return kHeaderSize + payload_size; }

enum class ParseStatus {
  kRecord,    // a complete valid record starts at buf[0]
  kNeedMore,  // the header or payload runs past the end of buf
  kCorrupt,   // bad kind, length or CRC
};

// Parses the record starting at buf[0]. On kRecord sets *payload (pointing
// into buf) and *record_size (header + payload).
ParseStatus ParseRecord(std::string_view buf, std::string_view* payload, size_t* record_size);

// The payload length claimed by the header at buf[0] (buf.size() >= kHeaderSize).
uint32_t HeaderLength(std::string_view buf);

struct ByteRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// What a scan of one whole log file found.
struct ScanResult {
  uint64_t valid_end = 0;          // end of the last valid record (or `start`)
  uint64_t records = 0;            // valid records at or after `start`
  std::vector<ByteRange> skipped;  // damaged ranges followed by a valid record
  uint64_t tail_bytes = 0;         // damaged bytes after valid_end (no valid record follows)
};

// Scans `contents` from `start`: at a record that does not parse, searches
// forward byte by byte for the next valid record.
ScanResult ScanLog(std::string_view contents, uint64_t start);

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_LOG_FORMAT_H_
