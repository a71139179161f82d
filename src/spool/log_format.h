// Frame layer of spool log files (see docs/spool-format.md): pure encoding and
// decoding of CRC-checked frames, with no I/O. What a frame's payload holds
// depends on its kind: one record, or a block of records (block_format.h).
#ifndef OPENTRACK_SPOOL_LOG_FORMAT_H_
#define OPENTRACK_SPOOL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace opentrack::spool {

// crc (4) + length (4) + kind (1).
inline constexpr size_t kHeaderSize = 9;
// Payloads must be shorter than this, so a header's top length byte is 0.
inline constexpr size_t kMaxPayloadSize = (size_t{1} << 24) - 1;
// Frame kinds. 0 is never valid, so a zero-filled region is not a frame.
inline constexpr uint8_t kFullRecord = 1;  // the payload is one record
inline constexpr uint8_t kBlock = 2;       // the payload is a block of records

// Appends the framed `payload` to `out`. `payload.size()` must be <= kMaxPayloadSize.
void AppendFrame(uint8_t kind, std::string_view payload, std::string* out);
// Appends a kind-1 frame whose payload is `head` followed by `tail`: the same
// bytes as AppendRecord(head + tail), without building that string.
void AppendRecord(std::string_view head, std::string_view tail, std::string* out);
inline void AppendRecord(std::string_view payload, std::string* out) {
  AppendFrame(kFullRecord, payload, out);
}

// Writes the header of a frame whose payload is `head` followed by `tail`:
// what AppendRecord puts before them, for a writer that places the payload
// itself.
void EncodeFrameHeader(uint8_t kind, std::string_view head, std::string_view tail,
                       char header[kHeaderSize]);

inline uint64_t FramedSize(size_t payload_size) { return kHeaderSize + payload_size; }

enum class ParseStatus {
  kFrame,     // a complete frame with a valid header and CRC starts at buf[0]
  kNeedMore,  // the header or payload runs past the end of buf
  kCorrupt,   // bad kind, length or CRC
};

struct Frame {
  uint8_t kind = 0;
  std::string_view payload;  // points into the parsed buffer
  size_t size = 0;           // header + payload
};

// Parses the frame starting at buf[0]; sets *frame on kFrame. A block's
// payload is not decoded here (DecodeFrame in log_reader.h does that).
ParseStatus ParseFrame(std::string_view buf, Frame* frame);

// The payload length claimed by the header at buf[0] (buf.size() >= kHeaderSize).
uint32_t HeaderLength(std::string_view buf);

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_LOG_FORMAT_H_
