#include "spool/log_reader.h"

#include <algorithm>

namespace opentrack::spool {
namespace {

// The number of records of the valid frame at contents[pos] (0 if none starts
// there), and its size.
uint64_t ValidFrameAt(std::string_view contents, uint64_t pos, BlockDecoder* decoder,
                      std::vector<std::string_view>* scratch, size_t* size) {
  Frame frame;
  if (ParseFrame(contents.substr(pos), &frame) != ParseStatus::kFrame) return 0;
  if (!DecodeFrame(frame, decoder, scratch).ok()) return 0;
  *size = frame.size;
  return scratch->size();
}

}  // namespace

absl::Status DecodeFrame(const Frame& frame, BlockDecoder* decoder,
                         std::vector<std::string_view>* records) {
  if (frame.kind == kBlock) return decoder->Decode(frame.payload, records);
  records->assign(1, frame.payload);
  return absl::OkStatus();
}

ScanResult ScanLog(std::string_view contents, uint64_t start, uint64_t start_index) {
  ScanResult result;
  result.valid_end = start;
  BlockDecoder decoder;
  std::vector<std::string_view> scratch;
  uint64_t pos = start;
  size_t size = 0;
  while (pos < contents.size()) {
    if (uint64_t n = ValidFrameAt(contents, pos, &decoder, &scratch, &size); n > 0) {
      // A cursor inside a block: its first records are acknowledged already.
      if (pos == start) n -= std::min(n, start_index);
      result.records += n;
      pos += size;
      result.valid_end = pos;
      continue;
    }
    uint64_t next = pos + 1;
    while (next < contents.size() && ValidFrameAt(contents, next, &decoder, &scratch, &size) == 0) {
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
