#include "spool/block_format.h"

#include <zstd.h>

#include "absl/strings/str_cat.h"
#include "spool/little_endian.h"

namespace opentrack::spool {
namespace {

void PutHeader(uint8_t flags, uint32_t count, uint32_t content_size, char* p) {
  p[0] = static_cast<char>(flags);
  PutLE32(count, p + 1);
  PutLE32(content_size, p + 5);
}

}  // namespace

BlockBuilder::BlockBuilder(int zstd_level) : cctx_(ZSTD_createCCtx()) {
  ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, zstd_level);
  // The block header already holds the size, and the frame CRC covers the bytes.
  ZSTD_CCtx_setParameter(cctx_, ZSTD_c_contentSizeFlag, 0);
  ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 0);
  raw_.resize(kBlockHeaderSize);
}

BlockBuilder::~BlockBuilder() { ZSTD_freeCCtx(cctx_); }

bool BlockBuilder::HasRoomFor(size_t size, size_t target_content) const {
  if (count_ == 0) return true;
  const size_t content = raw_.size() - kBlockHeaderSize;
  return count_ < kMaxRecordsPerFrame && content + kBlockRecordOverhead + size <= target_content;
}

void BlockBuilder::Add(std::string_view head, std::string_view tail) {
  char length[4];
  PutLE32(static_cast<uint32_t>(head.size() + tail.size()), length);
  raw_.append(length, 4);
  raw_.append(head.data(), head.size());
  raw_.append(tail.data(), tail.size());
  ++count_;
}

std::string_view BlockBuilder::Finish() {
  const size_t content_size = raw_.size() - kBlockHeaderSize;
  compressed_.resize(kBlockHeaderSize + ZSTD_compressBound(content_size));
  const size_t n = ZSTD_compress2(cctx_, compressed_.data() + kBlockHeaderSize,
                                  compressed_.size() - kBlockHeaderSize,
                                  raw_.data() + kBlockHeaderSize, content_size);
  const uint32_t count = count_;
  count_ = 0;
  // Like leveldb: compression must pay for the decoding work (an eighth or more).
  if (!ZSTD_isError(n) && n < content_size - content_size / 8) {
    compressed_.resize(kBlockHeaderSize + n);
    PutHeader(kBlockCompressed, count, static_cast<uint32_t>(content_size), compressed_.data());
    raw_.resize(kBlockHeaderSize);
    return compressed_;
  }
  PutHeader(0, count, static_cast<uint32_t>(content_size), raw_.data());
  compressed_.swap(raw_);  // so the next Add does not overwrite the result
  raw_.resize(kBlockHeaderSize);
  return compressed_;
}

BlockDecoder::BlockDecoder() : dctx_(ZSTD_createDCtx()) {}

BlockDecoder::~BlockDecoder() { ZSTD_freeDCtx(dctx_); }

absl::Status BlockDecoder::Decode(std::string_view payload,
                                  std::vector<std::string_view>* records) {
  records->clear();
  if (payload.size() < kBlockHeaderSize) return absl::DataLossError("block header is truncated");
  const uint8_t flags = static_cast<uint8_t>(payload[0]);
  const uint32_t count = GetLE32(payload.data() + 1);
  const uint32_t content_size = GetLE32(payload.data() + 5);
  if ((flags & ~kBlockCompressed) != 0) {
    return absl::DataLossError(absl::StrCat("block has unknown flags ", flags));
  }
  if (count == 0 || count > kMaxRecordsPerFrame || content_size > kMaxBlockContent) {
    return absl::DataLossError(
        absl::StrCat("block claims ", count, " records in ", content_size, " bytes"));
  }
  std::string_view stored = payload.substr(kBlockHeaderSize);
  std::string_view content = stored;
  if (flags & kBlockCompressed) {
    content_.resize(content_size);
    const size_t n =
        ZSTD_decompressDCtx(dctx_, content_.data(), content_.size(), stored.data(), stored.size());
    if (ZSTD_isError(n)) {
      return absl::DataLossError(absl::StrCat("block does not decompress: ", ZSTD_getErrorName(n)));
    }
    content = std::string_view(content_.data(), n);
  }
  if (content.size() != content_size) {
    return absl::DataLossError(
        absl::StrCat("block content is ", content.size(), " bytes, header says ", content_size));
  }
  records->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (content.size() < kBlockRecordOverhead) break;
    const uint32_t length = GetLE32(content.data());
    content.remove_prefix(kBlockRecordOverhead);
    if (length > content.size()) break;
    records->push_back(content.substr(0, length));
    content.remove_prefix(length);
  }
  if (records->size() != count || !content.empty()) {
    records->clear();
    return absl::DataLossError("block record lengths do not match its content");
  }
  return absl::OkStatus();
}

}  // namespace opentrack::spool
