// The payload of a block frame (kind 2): the records of one group commit as
// one unit, zstd-compressed when that saves space (docs/spool-format.md,
// "Block frames"). Pure encoding and decoding, no I/O.
//
//   flags (1) | count (4, LE) | content_size (4, LE) | content
//   decoded content = count x ( length (4, LE) | record bytes )
#ifndef OPENTRACK_SPOOL_BLOCK_FORMAT_H_
#define OPENTRACK_SPOOL_BLOCK_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "spool/position.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace opentrack::spool {

inline constexpr size_t kBlockHeaderSize = 9;
// flags bit 0: the content is one zstd frame. Other bits are reserved (0).
inline constexpr uint8_t kBlockCompressed = 1;
// Bytes a record takes in the decoded content besides its own.
inline constexpr size_t kBlockRecordOverhead = 4;
// Decoded content is at most this, which bounds the decoder's memory on damaged
// input; a record too big for an empty block is framed on its own instead.
inline constexpr size_t kMaxBlockContent = 4 << 20;

// Collects records and encodes them as one block payload, reusing its buffers
// and zstd context from block to block. Not thread-safe.
class BlockBuilder {
 public:
  // `zstd_level` is ZSTD_c_compressionLevel; negative levels are faster.
  explicit BlockBuilder(int zstd_level);
  ~BlockBuilder();
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Whether a record of `size` bytes can go into any block.
  static bool FitsInABlock(size_t size) { return size <= kMaxBlockContent - kBlockRecordOverhead; }
  // Whether the record can join this block without passing `target_content` bytes
  // of content or kMaxRecordsPerFrame records. Always true for an empty block.
  bool HasRoomFor(size_t size, size_t target_content) const;
  void Add(std::string_view record) { Add({}, record); }
  // Adds the one record `head` followed by `tail`, without building it first.
  void Add(std::string_view head, std::string_view tail);
  bool empty() const { return count_ == 0; }

  // Encodes the records added since the last Finish (at least one) and starts a
  // new block. The content is stored raw when zstd saves less than an eighth.
  // The result is valid until the next call on this builder.
  std::string_view Finish();

 private:
  ZSTD_CCtx_s* const cctx_;
  uint32_t count_ = 0;
  std::string raw_;  // header space, then the decoded content
  std::string compressed_;
};

// Decodes block payloads, reusing its buffer and zstd context. Not thread-safe.
class BlockDecoder {
 public:
  BlockDecoder();
  ~BlockDecoder();
  BlockDecoder(const BlockDecoder&) = delete;
  BlockDecoder& operator=(const BlockDecoder&) = delete;

  // Replaces *records with the block's records. They point into `payload` or into
  // this decoder, so they are valid while both are and until the next Decode.
  // DataLoss when a field, the zstd frame or the record lengths do not check out.
  absl::Status Decode(std::string_view payload, std::vector<std::string_view>* records);

 private:
  ZSTD_DCtx_s* const dctx_;
  std::string content_;
};

}  // namespace opentrack::spool

#endif  // OPENTRACK_SPOOL_BLOCK_FORMAT_H_
