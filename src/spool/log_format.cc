#include "spool/log_format.h"

#include "spool/crc32c.h"
#include "spool/little_endian.h"

namespace opentrack::spool {
namespace {

bool IsKnownKind(uint8_t kind) { return kind == kFullRecord || kind == kBlock; }

// Frames the payload `head` + `tail`.
void AppendFrameOfTwo(uint8_t kind, std::string_view head, std::string_view tail,
                      std::string* out) {
  char header[kHeaderSize];
  EncodeFrameHeader(kind, head, tail, header);
  out->append(header, kHeaderSize);
  out->append(head.data(), head.size());
  out->append(tail.data(), tail.size());
}

}  // namespace

void EncodeFrameHeader(uint8_t kind, std::string_view head, std::string_view tail,
                       char header[kHeaderSize]) {
  PutLE32(static_cast<uint32_t>(head.size() + tail.size()), header + 4);
  header[8] = static_cast<char>(kind);
  // The CRC covers length and kind so a damaged length is caught, not followed.
  uint32_t crc = crc32c::Extend(0, header + 4, 5);
  crc = crc32c::Extend(crc, head.data(), head.size());
  crc = crc32c::Extend(crc, tail.data(), tail.size());
  PutLE32(crc32c::Mask(crc), header);
}

void AppendFrame(uint8_t kind, std::string_view payload, std::string* out) {
  AppendFrameOfTwo(kind, {}, payload, out);
}

void AppendRecord(std::string_view head, std::string_view tail, std::string* out) {
  AppendFrameOfTwo(kFullRecord, head, tail, out);
}

uint32_t HeaderLength(std::string_view buf) { return GetLE32(buf.data() + 4); }

ParseStatus ParseFrame(std::string_view buf, Frame* frame) {
  if (buf.size() < kHeaderSize) return ParseStatus::kNeedMore;
  const uint32_t length = HeaderLength(buf);
  const uint8_t kind = static_cast<uint8_t>(buf[8]);
  if (!IsKnownKind(kind) || length > kMaxPayloadSize) return ParseStatus::kCorrupt;
  if (buf.size() - kHeaderSize < length) return ParseStatus::kNeedMore;
  uint32_t crc = crc32c::Extend(0, buf.data() + 4, 5);
  crc = crc32c::Extend(crc, buf.data() + kHeaderSize, length);
  if (crc32c::Unmask(GetLE32(buf.data())) != crc) return ParseStatus::kCorrupt;
  frame->kind = kind;
  frame->payload = buf.substr(kHeaderSize, length);
  frame->size = kHeaderSize + length;
  return ParseStatus::kFrame;
}

}  // namespace opentrack::spool
