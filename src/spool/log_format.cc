#include "spool/log_format.h"

#include "spool/crc32c.h"

namespace opentrack::spool {
namespace {

void PutLE32(uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t GetLE32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

}  // namespace

void AppendRecord(std::string_view payload, std::string* out) {
  char header[kHeaderSize];
  PutLE32(static_cast<uint32_t>(payload.size()), header + 4);
  header[8] = static_cast<char>(kFullRecord);
  // The CRC covers length and kind so a damaged length is caught, not followed.
  uint32_t crc = crc32c::Extend(0, header + 4, 5);
  crc = crc32c::Extend(crc, payload.data(), payload.size());
  PutLE32(crc32c::Mask(crc), header);
  out->append(header, kHeaderSize);
  out->append(payload.data(), payload.size());
}

uint32_t HeaderLength(std::string_view buf) { return GetLE32(buf.data() + 4); }

ParseStatus ParseRecord(std::string_view buf, std::string_view* payload, size_t* record_size) {
  if (buf.size() < kHeaderSize) return ParseStatus::kNeedMore;
  const uint32_t length = HeaderLength(buf);
  if (static_cast<uint8_t>(buf[8]) != kFullRecord || length > kMaxPayloadSize) {
    return ParseStatus::kCorrupt;
  }
  if (buf.size() - kHeaderSize < length) return ParseStatus::kNeedMore;
  uint32_t crc = crc32c::Extend(0, buf.data() + 4, 5);
  crc = crc32c::Extend(crc, buf.data() + kHeaderSize, length);
  if (crc32c::Unmask(GetLE32(buf.data())) != crc) return ParseStatus::kCorrupt;
  *payload = buf.substr(kHeaderSize, length);
  *record_size = kHeaderSize + length;
  return ParseStatus::kRecord;
}

ScanResult ScanLog(std::string_view contents, uint64_t start) {
  ScanResult result;
  result.valid_end = start;
  uint64_t pos = start;
  std::string_view payload;
  size_t size = 0;
  while (pos < contents.size()) {
    if (ParseRecord(contents.substr(pos), &payload, &size) == ParseStatus::kRecord) {
      ++result.records;
      pos += size;
      result.valid_end = pos;
      continue;
    }
    uint64_t next = pos + 1;
    while (next < contents.size() &&
           ParseRecord(contents.substr(next), &payload, &size) != ParseStatus::kRecord) {
      ++next;
    }
    if (next >= contents.size()) break;
    result.skipped.push_back({pos, next});
    pos = next;
  }
  result.tail_bytes = contents.size() > result.valid_end ? contents.size() - result.valid_end : 0;
  return result;
}

}  // namespace opentrack::spool
